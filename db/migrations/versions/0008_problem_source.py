"""problem.source: where a problem came from (包保督导 / 风险隐患 / 执法 / 抽检); existing rows are 包保督导

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:10:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("problem", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default="包保督导"))


def downgrade() -> None:
    with op.batch_alter_table("problem", schema=None) as batch_op:
        batch_op.drop_column("source")
