"""settlement: proposals, blind bidding (biddings, bids), the agreement (agreements, versions,
comments, signatures)

Revision ID: 0070_settlement
Revises: 0060_clerk_desk
Create Date: 2026-11-21 22:35:31.000059

"""
from alembic import op
import sqlalchemy as sa

import odr.core.models  # noqa: F401  (custom column types used below)


# revision identifiers, used by Alembic.
revision = '0070_settlement'
down_revision = '0060_clerk_desk'
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed: one bidding and one agreement per case (unique case_id); one bid per side per
    # round; one signature per signer; versions unique per agreement. Mirrors odr/mediation/models.py.
    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.Enum('applicant', 'respondent', name='side', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('instalments', sa.JSON(), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('expires_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('status', sa.Enum('offered', 'accepted', 'rejected', 'withdrawn', 'countered', name='proposalstatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('answers_id', sa.Integer(), nullable=True),
    sa.Column('from_bidding', sa.Boolean(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('created_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.CheckConstraint('amount IS NULL OR amount >= 0', name=op.f('ck_proposals_amount_not_negative')),
    sa.ForeignKeyConstraint(['answers_id'], ['proposals.id'], name=op.f('fk_proposals_answers_id_proposals')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_proposals_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_proposals_case_id_cases')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_proposals_decided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals'))
    )

    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposals_case_id'), ['case_id'], unique=False)

    op.create_table('agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'locked', 'signed', name='agreementstatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('clauses', sa.JSON(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('lang', sa.String(length=10), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('text_sha256', sa.String(length=64), nullable=True),
    sa.Column('locked_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('locked_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_agreements_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_agreements_created_by_id_users')),
    sa.ForeignKeyConstraint(['locked_by_id'], ['users.id'], name=op.f('fk_agreements_locked_by_id_users')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_agreements_proposal_id_proposals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreements')),
    sa.UniqueConstraint('case_id', name=op.f('uq_agreements_case_id'))
    )

    op.create_table('biddings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'open', 'settled', 'exhausted', name='biddingstatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('gap_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('max_rounds', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('applicant_agreed_by_id', sa.Integer(), nullable=True),
    sa.Column('applicant_agreed_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('respondent_agreed_by_id', sa.Integer(), nullable=True),
    sa.Column('respondent_agreed_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('settled_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('created_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['applicant_agreed_by_id'], ['users.id'], name=op.f('fk_biddings_applicant_agreed_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_biddings_case_id_cases')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_biddings_proposal_id_proposals')),
    sa.ForeignKeyConstraint(['respondent_agreed_by_id'], ['users.id'], name=op.f('fk_biddings_respondent_agreed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_biddings')),
    sa.UniqueConstraint('case_id', name=op.f('uq_biddings_case_id'))
    )

    op.create_table('agreement_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_agreement_comments_agreement_id_agreements')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_agreement_comments_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_comments'))
    )

    op.create_table('agreement_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('typed_signature', sa.String(length=200), nullable=False),
    sa.Column('drawn_signature', sa.Text(), nullable=True),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('signed_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=400), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_agreement_signatures_agreement_id_agreements')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_agreement_signatures_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_signatures')),
    sa.UniqueConstraint('agreement_id', 'user_id', name='uq_signatures_signer')
    )

    op.create_table('agreement_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('clauses', sa.JSON(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_agreement_versions_agreement_id_agreements')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_agreement_versions_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_versions')),
    sa.UniqueConstraint('agreement_id', 'version', name='uq_agreement_versions')
    )

    op.create_table('bids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bidding_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('side', sa.Enum('applicant', 'respondent', name='side', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('salt', sa.String(length=32), nullable=False),
    sa.Column('commitment', sa.String(length=64), nullable=False),
    sa.Column('created_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bidding_id'], ['biddings.id'], name=op.f('fk_bids_bidding_id_biddings')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_bids_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bids')),
    sa.UniqueConstraint('bidding_id', 'round', 'side', name='uq_bids_round_side')
    )


def downgrade():
    op.drop_table('bids')
    op.drop_table('agreement_versions')
    op.drop_table('agreement_signatures')
    op.drop_table('agreement_comments')
    op.drop_table('biddings')
    op.drop_table('agreements')
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposals_case_id'))

    op.drop_table('proposals')
