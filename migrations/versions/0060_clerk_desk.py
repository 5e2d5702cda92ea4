"""clerk desk: document_services (electronic service recorded on a party's first download,
paper service recorded by a clerk)

Revision ID: 0060_clerk_desk
Revises: 0050_notifications
Create Date: 2026-11-21 22:34:30

"""
from alembic import op
import sqlalchemy as sa

import odr.core.models  # noqa: F401  (custom column types used below)


# revision identifiers, used by Alembic.
revision = '0060_clerk_desk'
down_revision = '0050_notifications'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=True),
    sa.Column('recipient_name', sa.String(length=120), nullable=False),
    sa.Column('method', sa.Enum('electronic', 'in_person', 'post', name='servicemethod', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('served_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.Column('read_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('read_ip', sa.String(length=45), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_services_document_id_documents')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_document_services_party_id_parties')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_document_services_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_services'))
    )
    with op.batch_alter_table('document_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_services_document_id'), ['document_id'], unique=False)
        # Electronic service is recorded once per party and document.
        batch_op.create_index('uq_document_services_electronic', ['document_id', 'party_id'], unique=True, sqlite_where=sa.text("method = 'electronic'"), postgresql_where=sa.text("method = 'electronic'"))


def downgrade():
    with op.batch_alter_table('document_services', schema=None) as batch_op:
        batch_op.drop_index('uq_document_services_electronic', sqlite_where=sa.text("method = 'electronic'"), postgresql_where=sa.text("method = 'electronic'"))
        batch_op.drop_index(batch_op.f('ix_document_services_document_id'))

    op.drop_table('document_services')
