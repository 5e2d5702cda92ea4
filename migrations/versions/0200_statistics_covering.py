"""statistics: the indexes on when cases were received and closed cover the columns counted; stays
in order of length per state (the median on SQLite)

Revision ID: 0200_statistics_covering
Revises: 0190_roster
Create Date: 2026-11-22 01:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0200_statistics_covering'
down_revision = '0190_roster'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_cases_submitted_at', table_name='cases')
    op.drop_index('ix_cases_closed_at', table_name='cases')
    op.create_index('ix_cases_submitted_at', 'cases',
                    ['submitted_at', 'organisation_id', 'region_id', 'state', 'category'], unique=False)
    op.create_index('ix_cases_closed_at', 'cases', ['closed_at', 'organisation_id', 'region_id', 'outcome'],
                    unique=False)
    op.create_index('ix_case_stages_state_seconds', 'case_stages',
                    ['state', 'seconds', 'left_at', 'organisation_id', 'region_id'], unique=False,
                    sqlite_where=sa.text('left_at IS NOT NULL'), postgresql_where=sa.text('left_at IS NOT NULL'))


def downgrade():
    op.drop_index('ix_case_stages_state_seconds', table_name='case_stages',
                  sqlite_where=sa.text('left_at IS NOT NULL'), postgresql_where=sa.text('left_at IS NOT NULL'))
    op.drop_index('ix_cases_closed_at', table_name='cases')
    op.drop_index('ix_cases_submitted_at', table_name='cases')
    op.create_index('ix_cases_submitted_at', 'cases', ['submitted_at'], unique=False)
    op.create_index('ix_cases_closed_at', 'cases', ['closed_at'], unique=False)
