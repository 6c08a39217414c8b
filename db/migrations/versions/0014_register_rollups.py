"""register rollups (issue 21): duty_rollup, the 日管控 / 周排查 / 月调度 records of a year per station and month, and
staffing_rollup, the 总监 / 安全员 staffing per station, sector and required (db/rollups.py); their freshness kept in
rollup_ref under the names "duty" and "staffing"

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 15:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COUNTS = ("records", "daily_checked", "daily_kept", "weekly_checked", "weekly_kept", "monthly_checked",
          "monthly_kept", "onsite")
STAFFING = ("enterprises", "director_named", "director_trained", "director_assessed", "officer_named",
            "officer_trained", "officer_assessed")


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
    op.create_table(
        "staffing_rollup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref_date", sa.Date(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("sector", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("required", sa.Integer(), nullable=False),
        *(sa.Column(c, sa.Integer(), nullable=False) for c in STAFFING),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_staffing_rollup_ref_station", "staffing_rollup", ["ref_date", "station_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_staffing_rollup_ref_station", table_name="staffing_rollup")
    op.drop_table("staffing_rollup")
    op.drop_index("ix_duty_rollup_ref_station", table_name="duty_rollup")
    op.drop_table("duty_rollup")
