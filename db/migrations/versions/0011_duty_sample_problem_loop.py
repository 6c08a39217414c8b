"""企业主体责任 (business_duty, duty_check) and 抽检 (sample); problem.business_id / found_date (set for every
source, backfilled from the visit), visit_id optional (执法 / 抽检 problems have none), sample_id and outcome

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 05:29:07.202379
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('business_duty',
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('src_sheet', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('src_row', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('director_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('director_trained', sa.Boolean(), nullable=True),
    sa.Column('director_assessed', sa.Boolean(), nullable=True),
    sa.Column('officer_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('officer_trained', sa.Boolean(), nullable=True),
    sa.Column('officer_assessed', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('business_id')
    )
    with op.batch_alter_table('business_duty', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_business_duty_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_business_duty_is_demo'), ['is_demo'], unique=False)

    op.create_table('sample',
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('src_sheet', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('src_row', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('sample_date', sa.Date(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('business_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=True),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('sample_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('result', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('report_date', sa.Date(), nullable=True),
    sa.Column('failed_item', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], ),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('sample', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sample_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sample_is_demo'), ['is_demo'], unique=False)
        batch_op.create_index(batch_op.f('ix_sample_sample_date'), ['sample_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_sample_station_id'), ['station_id'], unique=False)

    op.create_table('duty_check',
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('src_sheet', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('src_row', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('daily', sa.Boolean(), nullable=True),
    sa.Column('weekly', sa.Boolean(), nullable=True),
    sa.Column('monthly', sa.Boolean(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], ),
    sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('business_id', 'year', 'month', name='uq_duty_check')
    )
    with op.batch_alter_table('duty_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_check_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duty_check_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duty_check_is_demo'), ['is_demo'], unique=False)
        batch_op.create_index(batch_op.f('ix_duty_check_year'), ['year'], unique=False)

    with op.batch_alter_table('problem', schema=None) as batch_op:
        batch_op.add_column(sa.Column('business_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('found_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('sample_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    # Every existing problem was found on a visit: its business and day are the visit's.
    op.execute("UPDATE problem SET business_id = (SELECT visit.business_id FROM visit WHERE visit.id = problem.visit_id),"
               " found_date = (SELECT visit.visit_date FROM visit WHERE visit.id = problem.visit_id)")
    with op.batch_alter_table('problem', schema=None) as batch_op:
        batch_op.alter_column('business_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('found_date', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('visit_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f('ix_problem_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_problem_found_date'), ['found_date'], unique=False)
        batch_op.create_unique_constraint('uq_problem_sample_id', ['sample_id'])
        batch_op.create_foreign_key('fk_problem_business_id_business', 'business', ['business_id'], ['id'])
        batch_op.create_foreign_key('fk_problem_sample_id_sample', 'sample', ['sample_id'], ['id'])



def downgrade() -> None:
    op.execute("DELETE FROM problem WHERE visit_id IS NULL")
    with op.batch_alter_table('problem', schema=None) as batch_op:
        batch_op.drop_constraint('fk_problem_sample_id_sample', type_='foreignkey')
        batch_op.drop_constraint('fk_problem_business_id_business', type_='foreignkey')
        batch_op.drop_constraint('uq_problem_sample_id', type_='unique')
        batch_op.drop_index(batch_op.f('ix_problem_found_date'))
        batch_op.drop_index(batch_op.f('ix_problem_business_id'))
        batch_op.alter_column('visit_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('outcome')
        batch_op.drop_column('sample_id')
        batch_op.drop_column('found_date')
        batch_op.drop_column('business_id')

    with op.batch_alter_table('duty_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_check_year'))
        batch_op.drop_index(batch_op.f('ix_duty_check_is_demo'))
        batch_op.drop_index(batch_op.f('ix_duty_check_business_id'))
        batch_op.drop_index(batch_op.f('ix_duty_check_batch_id'))

    op.drop_table('duty_check')
    with op.batch_alter_table('sample', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_station_id'))
        batch_op.drop_index(batch_op.f('ix_sample_sample_date'))
        batch_op.drop_index(batch_op.f('ix_sample_is_demo'))
        batch_op.drop_index(batch_op.f('ix_sample_business_id'))
        batch_op.drop_index(batch_op.f('ix_sample_batch_id'))

    op.drop_table('sample')
    with op.batch_alter_table('business_duty', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_business_duty_is_demo'))
        batch_op.drop_index(batch_op.f('ix_business_duty_batch_id'))

    op.drop_table('business_duty')
