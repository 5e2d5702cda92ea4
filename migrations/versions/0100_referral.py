"""referral: referrals, record consents, case origins

Revision ID: 0100_referral
Revises: 0090_consultation
Create Date: 2026-11-22 00:02:21.790583

"""
from alembic import op
import sqlalchemy as sa

import odr.core.models  # noqa: F401  (custom column types used below)


# revision identifiers, used by Alembic.
revision = '0100_referral'
down_revision = '0090_consultation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_origins',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('source_url', sa.String(length=255), nullable=False),
    sa.Column('source_reference', sa.String(length=40), nullable=False),
    sa.Column('source_case_id', sa.Integer(), nullable=True),
    sa.Column('source_organisation', sa.String(length=200), nullable=False),
    sa.Column('exported_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('bundle_sha256', sa.String(length=64), nullable=False),
    sa.Column('manifest', sa.JSON(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_origins_case_id_cases')),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_case_origins_imported_by_id_users')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_origins'))
    )
    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('referral', 'delegation', name='referralkind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('route', sa.Enum('arbitration', 'court', 'administrative', 'transfer', 'mediation', name='referralroute', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('status', sa.Enum('pending', 'accepted', 'returned', 'withdrawn', 'reported', name='referralstatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('from_organisation_id', sa.Integer(), nullable=True),
    sa.Column('to_organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.Column('due_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('decided_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('result', sa.String(length=40), nullable=True),
    sa.CheckConstraint("(status = 'returned') = (reason IS NOT NULL)", name=op.f('ck_referrals_reason_iff_returned')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_referrals_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_referrals_created_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_referrals_decided_by_id_users')),
    sa.ForeignKeyConstraint(['from_organisation_id'], ['organisations.id'], name=op.f('fk_referrals_from_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['to_organisation_id'], ['organisations.id'], name=op.f('fk_referrals_to_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index('ix_referrals_case_id', ['case_id'], unique=False)
        batch_op.create_index('ix_referrals_from', ['from_organisation_id', 'kind', 'status'], unique=False)
        batch_op.create_index('ix_referrals_inbox', ['to_organisation_id', 'status', 'due_at'], unique=False)

    op.create_table('record_consents',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('consented', sa.Boolean(), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('at', odr.core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_record_consents_by_user_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_record_consents_case_id_cases')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_record_consents_party_id_parties')),
    sa.PrimaryKeyConstraint('case_id', 'party_id', name=op.f('pk_record_consents'))
    )


def downgrade():
    op.drop_table('record_consents')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index('ix_referrals_inbox')
        batch_op.drop_index('ix_referrals_from')
        batch_op.drop_index('ix_referrals_case_id')

    op.drop_table('referrals')
    op.drop_table('case_origins')
