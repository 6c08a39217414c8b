"""import_change.row_id_last: the rows a batch inserted in bulk are logged as runs of ids (row_id … row_id_last),
one record a run instead of one a row with its values, while they stand (issue 21: a 100,000-row register wrote
100,000 change records); duty_check.visit_id indexed: deleting visits (an import's undo) checked the foreign key by
reading all of duty_check a visit (half an hour for 100,000 visits at city scale); and visit's is_demo index dropped:
no query filters visits by it, and it was a sixth index for every visit written

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 03:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_change", schema=None) as batch_op:
        batch_op.add_column(sa.Column("row_id_last", sa.Integer(), nullable=True))
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_is_demo"))
    with op.batch_alter_table("duty_check", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duty_check_visit_id"), ["visit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("duty_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_check_visit_id"))
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_is_demo"), ["is_demo"], unique=False)
    with op.batch_alter_table("import_change", schema=None) as batch_op:
        batch_op.drop_column("row_id_last")
