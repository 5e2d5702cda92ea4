"""judicial confirmation and performance: joint applications, obligations, follow-up visits; the
court's ruling as a document type

Revision ID: 0120_confirmation_performance
Revises: 0110_sessions
Create Date: 2026-11-22 00:40:00

"""
from alembic import op
import sqlalchemy as sa

import odr.core.models  # noqa: F401  (custom column types used below)


# revision identifiers, used by Alembic.
revision = '0120_confirmation_performance'
down_revision = '0110_sessions'
branch_labels = None
depends_on = None

OLD_TYPES = ('application', 'acceptance_notice', 'evaluation_report', 'mediation_record', 'settlement_agreement',
             'confirmation_application', 'referral_letter', 'proof_of_service')
NEW_TYPES = OLD_TYPES + ('confirmation_ruling',)


def _types_check(types):
    return "type IN (" + ", ".join(f"'{t}'" for t in types) + ")"


def upgrade():
    op.create_table('confirmation_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('court_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'filed', 'confirmed', 'refused', name='applicationstatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=False),
    sa.Column('started_side', sa.Enum('applicant', 'respondent', name='side', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('applicant_joined_by_id', sa.Integer(), nullable=True),
    sa.Column('applicant_joined_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('respondent_joined_by_id', sa.Integer(), nullable=True),
    sa.Column('respondent_joined_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('filed_by_clerk_id', sa.Integer(), nullable=True),
    sa.Column('written_note', sa.String(length=500), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('filed_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('created_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.CheckConstraint('(decided_at IS NULL) = (decided_by_id IS NULL)', name=op.f('ck_confirmation_applications_decided_together')),
    sa.ForeignKeyConstraint(['applicant_joined_by_id'], ['users.id'], name=op.f('fk_confirmation_applications_applicant_joined_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_confirmation_applications_case_id_cases')),
    sa.ForeignKeyConstraint(['court_id'], ['organisations.id'], name=op.f('fk_confirmation_applications_court_id_organisations')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_confirmation_applications_decided_by_id_users')),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_confirmation_applications_evidence_id_evidence')),
    sa.ForeignKeyConstraint(['filed_by_clerk_id'], ['users.id'], name=op.f('fk_confirmation_applications_filed_by_clerk_id_users')),
    sa.ForeignKeyConstraint(['respondent_joined_by_id'], ['users.id'], name=op.f('fk_confirmation_applications_respondent_joined_by_id_users')),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_confirmation_applications_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_confirmation_applications')),
    sa.UniqueConstraint('case_id', name=op.f('uq_confirmation_applications_case_id'))
    )
    with op.batch_alter_table('confirmation_applications', schema=None) as batch_op:
        batch_op.create_index('ix_confirmation_applications_court_status', ['court_id', 'status'], unique=False)

    op.create_table('obligations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('obligor_side', sa.Enum('applicant', 'respondent', name='side', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'reported', 'performed', 'disputed', name='obligationstatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('reported_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('report_note', sa.String(length=1000), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('dispute_reason', sa.String(length=1000), nullable=False),
    sa.Column('reminded_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('flagged_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.CheckConstraint('amount IS NULL OR amount > 0', name=op.f('ck_obligations_amount_positive')),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_obligations_agreement_id_agreements')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_obligations_answered_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_obligations_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_obligations_created_by_id_users')),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_obligations_evidence_id_evidence')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['users.id'], name=op.f('fk_obligations_reported_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_obligations')),
    sa.UniqueConstraint('case_id', 'number', name='uq_obligations_case_number')
    )
    with op.batch_alter_table('obligations', schema=None) as batch_op:
        batch_op.create_index('ix_obligations_status_due_on', ['status', 'due_on'], unique=False)

    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('phone', 'visit', 'online', name='followupmethod', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_follow_ups_case_id_cases')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_follow_ups_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_ups_case_id'), ['case_id'], unique=False)

    # The court's ruling is a new kind of paper: widen the documents' type check.
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_documents_documenttype'), type_='check')
        batch_op.create_check_constraint(op.f('ck_documents_documenttype'), _types_check(NEW_TYPES))


def downgrade():
    op.execute("DELETE FROM documents WHERE type = 'confirmation_ruling' AND superseded_by_id IS NULL "
               "AND id NOT IN (SELECT superseded_by_id FROM documents WHERE superseded_by_id IS NOT NULL)")
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_documents_documenttype'), type_='check')
        batch_op.create_check_constraint(op.f('ck_documents_documenttype'), _types_check(OLD_TYPES))

    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_ups_case_id'))
    op.drop_table('follow_ups')
    with op.batch_alter_table('obligations', schema=None) as batch_op:
        batch_op.drop_index('ix_obligations_status_due_on')
    op.drop_table('obligations')
    with op.batch_alter_table('confirmation_applications', schema=None) as batch_op:
        batch_op.drop_index('ix_confirmation_applications_court_status')
    op.drop_table('confirmation_applications')
