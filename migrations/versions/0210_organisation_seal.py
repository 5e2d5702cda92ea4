"""organisations: the seal image printed on their papers (SHA-256 of the PNG in storage)

Revision ID: 0210_organisation_seal
Revises: 0200_statistics_covering
Create Date: 2026-11-22 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0210_organisation_seal'
down_revision = '0200_statistics_covering'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seal_sha256', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('seal_sha256')
