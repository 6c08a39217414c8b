"""index problem (business_id, found_date) in place of problem.business_id: the problem loop matches each 隐患清单
row to the Problem found at the same business on the same day (issue 21; 9 s → well under a second at city scale)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 12:00:00
"""

from alembic import op


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("problem", schema=None) as batch_op:
        batch_op.create_index("ix_problem_business_found", ["business_id", "found_date"], unique=False)
        batch_op.drop_index(batch_op.f("ix_problem_business_id"))


def downgrade() -> None:
    with op.batch_alter_table("problem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_problem_business_id"), ["business_id"], unique=False)
        batch_op.drop_index("ix_problem_business_found")
