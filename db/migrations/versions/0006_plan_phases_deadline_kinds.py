"""章丘's own plan (issue 15): plan phases (plan_phase), a deadline kind instead of deadline_is_default (日期 / 全年 /
长期 / 未定, with the basis of a date not written in the task and its phase), the 文号, the 配档表's plan and its monthly
recorded status (schedule_status)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 09:02:16
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('plan_phase',
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('src_sheet', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('src_row', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('time_text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['plan_document.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'number', name='uq_plan_phase')
    )
    with op.batch_alter_table('plan_phase', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_phase_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_phase_is_demo'), ['is_demo'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_phase_plan_id'), ['plan_id'], unique=False)

    op.create_table('schedule_status',
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('src_sheet', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('src_row', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('delay_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['milestone_id'], ['schedule_milestone.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('milestone_id', 'year', 'month', name='uq_schedule_status')
    )
    with op.batch_alter_table('schedule_status', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schedule_status_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_schedule_status_is_demo'), ['is_demo'], unique=False)
        batch_op.create_index(batch_op.f('ix_schedule_status_milestone_id'), ['milestone_id'], unique=False)

    with op.batch_alter_table('plan_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('doc_number', sqlmodel.sql.sqltypes.AutoString(), nullable=True))

    with op.batch_alter_table('plan_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('deadline_kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default='未定'))
        batch_op.add_column(sa.Column('deadline_basis', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('phase_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_plan_task_phase_id', 'plan_phase', ['phase_id'], ['id'])
    # A written date stays a date; the old silent default (the year's end) becomes 未定 with no date.
    op.execute("UPDATE plan_task SET deadline_kind = CASE WHEN deadline_is_default THEN '未定' "
               "WHEN deadline IS NULL THEN '未定' ELSE '日期' END")
    op.execute("UPDATE plan_task SET deadline = NULL WHERE deadline_is_default")
    with op.batch_alter_table('plan_task', schema=None) as batch_op:
        batch_op.alter_column('deadline_kind', server_default=None)
        batch_op.drop_column('deadline_is_default')

    with op.batch_alter_table('schedule_milestone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_schedule_milestone_plan_id', 'plan_document', ['plan_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('schedule_milestone', schema=None) as batch_op:
        batch_op.drop_constraint('fk_schedule_milestone_plan_id', type_='foreignkey')
        batch_op.drop_column('plan_id')

    with op.batch_alter_table('plan_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deadline_is_default', sa.BOOLEAN(), nullable=False,
                                      server_default=sa.false()))
    op.execute("UPDATE plan_task SET deadline_is_default = (deadline IS NULL)")
    with op.batch_alter_table('plan_task', schema=None) as batch_op:
        batch_op.alter_column('deadline_is_default', server_default=None)
        batch_op.drop_constraint('fk_plan_task_phase_id', type_='foreignkey')
        batch_op.drop_column('phase_id')
        batch_op.drop_column('deadline_basis')
        batch_op.drop_column('deadline_kind')
        batch_op.drop_column('label')

    with op.batch_alter_table('plan_document', schema=None) as batch_op:
        batch_op.drop_column('doc_number')

    with op.batch_alter_table('schedule_status', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedule_status_milestone_id'))
        batch_op.drop_index(batch_op.f('ix_schedule_status_is_demo'))
        batch_op.drop_index(batch_op.f('ix_schedule_status_batch_id'))

    op.drop_table('schedule_status')
    with op.batch_alter_table('plan_phase', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_phase_plan_id'))
        batch_op.drop_index(batch_op.f('ix_plan_phase_is_demo'))
        batch_op.drop_index(batch_op.f('ix_plan_phase_batch_id'))

    op.drop_table('plan_phase')
