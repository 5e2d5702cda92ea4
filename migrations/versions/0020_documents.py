"""documents: issued papers (PDF by SHA-256, verification code, inputs, versions)

Revision ID: 0020_documents
Revises: 0010_mediation_rooms
Create Date: 2026-11-21 21:28:55.463975

"""
import sqlalchemy as sa
from alembic import op

import odr.core.models  # noqa: F401  (custom column types used below)

# revision identifiers, used by Alembic.
revision = '0020_documents'
down_revision = '0010_mediation_rooms'
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed: the checks and constraints mirror odr/documents/models.py; uq_documents_version
    # also serves as the index for a case's documents, the verification code's unique
    # constraint as the index for /verify look-ups.
    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.Enum('application', 'acceptance_notice', 'evaluation_report', 'mediation_record', 'settlement_agreement', 'confirmation_application', 'referral_letter', 'proof_of_service', name='documenttype', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('lang', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('verification_code', sa.String(length=12), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('template', sa.String(length=100), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.Column('superseded_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.CheckConstraint('(superseded_by_id IS NULL) = (superseded_at IS NULL)', name=op.f('ck_documents_superseded_together')),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_documents_sha256_hex')),
    sa.CheckConstraint('length(verification_code) = 12', name=op.f('ck_documents_code_length')),
    sa.CheckConstraint('size > 0', name=op.f('ck_documents_not_empty')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_documents_version_positive')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_documents_case_id_cases')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_documents_issued_by_id_users')),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['documents.id'], name=op.f('fk_documents_superseded_by_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('case_id', 'type', 'lang', 'version', name='uq_documents_version'),
    sa.UniqueConstraint('verification_code', name=op.f('uq_documents_verification_code'))
    )


def downgrade():
    op.drop_table('documents')
