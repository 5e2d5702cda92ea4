"""parties: index only the rows linked to an account (user_id, representative_user_id)

Revision ID: 0030_partial_party_indexes
Revises: 0020_documents
Create Date: 2026-11-21 22:20:00

Most parties have no account. SQLite's statistics (ANALYZE) count all their NULLs as one value,
so the full indexes looked unselective and "the cases of this user" scanned all 200,000 parties
of the 100k-case benchmark (~90 ms a page; 0.5 ms with these). Autogenerate does not compare an
index's WHERE clause, hence written by hand; the names stay the same.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0030_partial_party_indexes'
down_revision = '0020_documents'
branch_labels = None
depends_on = None

COLUMNS = ('user_id', 'representative_user_id')


def upgrade():
    for column in COLUMNS:
        name = f'ix_parties_{column}'
        condition = sa.text(f'{column} IS NOT NULL')
        op.drop_index(name, table_name='parties')
        op.create_index(name, 'parties', [column], unique=False,
                        sqlite_where=condition, postgresql_where=condition)


def downgrade():
    for column in COLUMNS:
        name = f'ix_parties_{column}'
        op.drop_index(name, table_name='parties')
        op.create_index(name, 'parties', [column], unique=False)
