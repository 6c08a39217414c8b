"""rollups (issue 21): baobao_rollup, the 包保 figures at a day per station × township × sector × tier × risk level,
and rollup_ref, the data_version and rules each stored day was computed at (db/rollups.py)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 12:10:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

COUNTS = ("n_business", "n_covered", "n_done", "n_high_risk", "n_high_risk_onsite", "n_prob_period",
          "n_prob_period_closed", "n_prob_ytd", "n_prob_ytd_closed", "n_prob_due", "n_prob_due_ontime",
          "n_prob_overdue", "n_prob_open")


def upgrade() -> None:
    op.create_table(
        "rollup_ref",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("ref_date", sa.Date(), nullable=False),
        sa.Column("data_version", sa.Integer(), nullable=False),
        sa.Column("rules_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("n_rows", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", "ref_date"),
    )
    op.create_table(
        "baobao_rollup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref_date", sa.Date(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=True),
        sa.Column("sector", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("tier", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("risk_level", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        *(sa.Column(c, sa.Integer(), nullable=False) for c in COUNTS),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_baobao_rollup_ref_station", "baobao_rollup", ["ref_date", "station_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_baobao_rollup_ref_station", table_name="baobao_rollup")
    op.drop_table("baobao_rollup")
    op.drop_table("rollup_ref")
