"""pacing windows: task_list (a year's 任务清单 window and the clause stating it) and kpi.window_start

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:10:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('task_list',
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('src_sheet', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('src_row', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.Date(), nullable=False),
    sa.Column('window_due', sa.Date(), nullable=False),
    sa.Column('phase', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('source_doc', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('source_clause', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year')
    )
    with op.batch_alter_table('task_list', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_list_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_list_is_demo'), ['is_demo'], unique=False)
    with op.batch_alter_table('kpi', schema=None) as batch_op:
        batch_op.add_column(sa.Column('window_start', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('kpi', schema=None) as batch_op:
        batch_op.drop_column('window_start')
    with op.batch_alter_table('task_list', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_list_is_demo'))
        batch_op.drop_index(batch_op.f('ix_task_list_batch_id'))
    op.drop_table('task_list')
