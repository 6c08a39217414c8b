"""小作坊 registers: workshop (the detail of a 小作坊 business), workshop_sweep (摸排), workshop_award (评选);
task_item.business_id (the 小作坊 a 任务明细 site names)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 02:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('workshop_sweep',
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('src_sheet', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('src_row', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('sweep_date', sa.Date(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=True),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('case_no', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], ),
    sa.ForeignKeyConstraint(['township_id'], ['township.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('workshop_sweep', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_sweep_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_sweep_is_demo'), ['is_demo'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_sweep_station_id'), ['station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_sweep_sweep_date'), ['sweep_date'], unique=False)

    op.create_table('workshop',
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('src_sheet', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('src_row', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('producing', sa.Boolean(), nullable=False),
    sa.Column('cold_chain', sa.Boolean(), nullable=False),
    sa.Column('cold_rooms', sa.Integer(), nullable=True),
    sa.Column('high_risk', sa.Boolean(), nullable=False),
    sa.Column('video', sa.Boolean(), nullable=False),
    sa.Column('video_online', sa.Boolean(), nullable=True),
    sa.Column('demo_site', sa.Boolean(), nullable=False),
    sa.Column('upgraded_date', sa.Date(), nullable=True),
    sa.Column('new_licence', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('archive_supervision', sa.Boolean(), nullable=False),
    sa.Column('archive_supervision_date', sa.Date(), nullable=True),
    sa.Column('archive_risk', sa.Boolean(), nullable=False),
    sa.Column('archive_risk_date', sa.Date(), nullable=True),
    sa.Column('norm_license', sa.Boolean(), nullable=True),
    sa.Column('norm_pledge', sa.Boolean(), nullable=True),
    sa.Column('norm_self_check', sa.Boolean(), nullable=True),
    sa.Column('norm_health', sa.Boolean(), nullable=True),
    sa.Column('norm_purchase', sa.Boolean(), nullable=True),
    sa.Column('norm_receipts', sa.Boolean(), nullable=True),
    sa.Column('norm_additives', sa.Boolean(), nullable=True),
    sa.Column('norm_operation', sa.Boolean(), nullable=True),
    sa.Column('norm_cleanliness', sa.Boolean(), nullable=True),
    sa.Column('norm_labelling', sa.Boolean(), nullable=True),
    sa.Column('review_date', sa.Date(), nullable=True),
    sa.Column('review_result', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('review_problems', sa.Integer(), nullable=True),
    sa.Column('exit_date', sa.Date(), nullable=True),
    sa.Column('exit_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('business_id')
    )
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_is_demo'), ['is_demo'], unique=False)

    op.create_table('workshop_award',
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('src_sheet', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('src_row', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('award', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], ),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'award', 'business_id', name='uq_workshop_award')
    )
    with op.batch_alter_table('workshop_award', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_award_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_award_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_award_is_demo'), ['is_demo'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_award_station_id'), ['station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_award_year'), ['year'], unique=False)

    with op.batch_alter_table('task_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('business_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_task_item_business_id'), ['business_id'], unique=False)
        batch_op.create_foreign_key('fk_task_item_business_id', 'business', ['business_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('task_item', schema=None) as batch_op:
        batch_op.drop_constraint('fk_task_item_business_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_task_item_business_id'))
        batch_op.drop_column('business_id')

    with op.batch_alter_table('workshop_award', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_award_year'))
        batch_op.drop_index(batch_op.f('ix_workshop_award_station_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_award_is_demo'))
        batch_op.drop_index(batch_op.f('ix_workshop_award_business_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_award_batch_id'))

    op.drop_table('workshop_award')
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_is_demo'))
        batch_op.drop_index(batch_op.f('ix_workshop_batch_id'))

    op.drop_table('workshop')
    with op.batch_alter_table('workshop_sweep', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_sweep_sweep_date'))
        batch_op.drop_index(batch_op.f('ix_workshop_sweep_station_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_sweep_is_demo'))
        batch_op.drop_index(batch_op.f('ix_workshop_sweep_batch_id'))

    op.drop_table('workshop_sweep')
