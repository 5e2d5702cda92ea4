"""mediation sessions: scheduled sessions and their notes, the mediator's conflict-of-interest
declaration on assignments, e-mail attachments (.ics) in the outbox

Revision ID: 0110_sessions
Revises: 0100_referral
Create Date: 2026-11-22 00:04:22.561050

"""
from alembic import op
import sqlalchemy as sa

import odr.core.models  # noqa: F401  (custom column types used below)


# revision identifiers, used by Alembic.
revision = '0110_sessions'
down_revision = '0100_referral'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mediation_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('joint', 'caucus', name='sessionkind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('side', sa.Enum('applicant', 'respondent', name='side', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('status', sa.Enum('scheduled', 'open', 'closed', 'cancelled', name='sessionstatus', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('starts_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('agenda', sa.Text(), nullable=False),
    sa.Column('uid', sa.String(length=120), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('reminded_day_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('reminded_hour_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('opened_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('closed_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.CheckConstraint("(kind = 'caucus') = (side IS NOT NULL)", name=op.f('ck_mediation_sessions_caucus_has_side')),
    sa.CheckConstraint('duration_minutes BETWEEN 15 AND 480', name=op.f('ck_mediation_sessions_duration_range')),
    sa.CheckConstraint('length(agenda) >= 1', name=op.f('ck_mediation_sessions_agenda_not_empty')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_mediation_sessions_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_mediation_sessions_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediation_sessions')),
    sa.UniqueConstraint('uid', name=op.f('uq_mediation_sessions_uid'))
    )
    with op.batch_alter_table('mediation_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_mediation_sessions_case', ['case_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_mediation_sessions_due', ['status', 'starts_at'], unique=False)

    op.create_table('mediation_session_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('attendees', sa.Text(), nullable=False),
    sa.Column('discussed', sa.Text(), nullable=False),
    sa.Column('results', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_mediation_session_notes_author_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['mediation_sessions.id'], name=op.f('fk_mediation_session_notes_session_id_mediation_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediation_session_notes')),
    sa.UniqueConstraint('session_id', name='uq_mediation_session_notes_session')
    )
    with op.batch_alter_table('case_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declared_at', odr.core.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('has_relation', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('relation_details', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('conflict_status', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('conflict_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('conflict_decided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('conflict_decided_at', odr.core.models.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_case_assignments_conflict_decided_by_id_users'), 'users', ['conflict_decided_by_id'], ['id'])
        batch_op.create_check_constraint(
            batch_op.f('ck_case_assignments_conflict_status_values'),
            "conflict_status IS NULL OR conflict_status IN ('pending', 'allowed', 'replaced')")

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachments', sa.JSON(), nullable=True))



def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('attachments')

    with op.batch_alter_table('case_assignments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_case_assignments_conflict_status_values'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_case_assignments_conflict_decided_by_id_users'), type_='foreignkey')
        batch_op.drop_column('conflict_decided_at')
        batch_op.drop_column('conflict_decided_by_id')
        batch_op.drop_column('conflict_reason')
        batch_op.drop_column('conflict_status')
        batch_op.drop_column('relation_details')
        batch_op.drop_column('has_relation')
        batch_op.drop_column('declared_at')

    op.drop_table('mediation_session_notes')
    with op.batch_alter_table('mediation_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_mediation_sessions_due')
        batch_op.drop_index('ix_mediation_sessions_case')

    op.drop_table('mediation_sessions')
