"""statistics: the stays' organisation and region, a covering index of finished stays, indexes on when
cases were received and closed

Revision ID: 0180_statistics_indexes
Revises: 0170_privacy
Create Date: 2026-11-22 00:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0180_statistics_indexes'
down_revision = '0170_privacy'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_stages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('region_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_case_stages_organisation_id_organisations'),
                                    'organisations', ['organisation_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_case_stages_region_id_regions'), 'regions', ['region_id'], ['id'])
    # Stays recorded before this revision: the case's organisation and region as they are now.
    op.execute("UPDATE case_stages SET organisation_id = (SELECT cases.organisation_id FROM cases "
               "WHERE cases.id = case_stages.case_id), region_id = (SELECT cases.region_id FROM cases "
               "WHERE cases.id = case_stages.case_id)")
    op.create_index('ix_cases_submitted_at', 'cases', ['submitted_at'], unique=False)
    op.create_index('ix_cases_closed_at', 'cases', ['closed_at'], unique=False)
    # The finished stays' index covers what the statistics read (an index-only scan).
    op.drop_index('ix_case_stages_left_at', table_name='case_stages',
                  sqlite_where=sa.text('left_at IS NOT NULL'), postgresql_where=sa.text('left_at IS NOT NULL'))
    op.create_index('ix_case_stages_left_at', 'case_stages',
                    ['left_at', 'organisation_id', 'region_id', 'state', 'seconds', 'on_time'], unique=False,
                    sqlite_where=sa.text('left_at IS NOT NULL'), postgresql_where=sa.text('left_at IS NOT NULL'))


def downgrade():
    op.drop_index('ix_case_stages_left_at', table_name='case_stages',
                  sqlite_where=sa.text('left_at IS NOT NULL'), postgresql_where=sa.text('left_at IS NOT NULL'))
    op.create_index('ix_case_stages_left_at', 'case_stages', ['left_at'], unique=False,
                    sqlite_where=sa.text('left_at IS NOT NULL'), postgresql_where=sa.text('left_at IS NOT NULL'))
    op.drop_index('ix_cases_closed_at', table_name='cases')
    op.drop_index('ix_cases_submitted_at', table_name='cases')
    with op.batch_alter_table('case_stages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_case_stages_region_id_regions'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_case_stages_organisation_id_organisations'), type_='foreignkey')
        batch_op.drop_column('region_id')
        batch_op.drop_column('organisation_id')
