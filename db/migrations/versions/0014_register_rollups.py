"""duty rollup (issue 21): duty_rollup, the 日管控 / 周排查 / 月调度 records of a year per station and month
(db/rollups.py), its freshness kept in rollup_ref under the name "duty"

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 15:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COUNTS = ("records", "daily_checked", "daily_kept", "weekly_checked", "weekly_kept", "monthly_checked",
          "monthly_kept", "onsite")


def upgrade() -> None:
    op.create_table(
        "duty_rollup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref_date", sa.Date(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        *(sa.Column(c, sa.Integer(), nullable=False) for c in COUNTS),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_duty_rollup_ref_station", "duty_rollup", ["ref_date", "station_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_duty_rollup_ref_station", table_name="duty_rollup")
    op.drop_table("duty_rollup")
