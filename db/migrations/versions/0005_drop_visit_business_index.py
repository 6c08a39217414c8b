"""drop ix_visit_business_id: ix_visit_business_date (business_id, visit_date) serves every lookup by business, and
each index is one more B-tree an imported visit is written into (issue 8: a 100k-row register, 0.6 s at city scale)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 11:40:00
"""

from alembic import op


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_business_id'))


def downgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_business_id'), ['business_id'], unique=False)
