"""satisfaction ratings and case stages (statistics)

Revision ID: 0140_satisfaction_statistics
Revises: 0130_supervision
Create Date: 2026-11-22 00:55:00

"""
from alembic import op
import sqlalchemy as sa

import odr.core.models  # noqa: F401  (custom column types used below)


# revision identifiers, used by Alembic.
revision = '0140_satisfaction_statistics'
down_revision = '0130_supervision'
branch_labels = None
depends_on = None

STATES = ('draft', 'submitted', 'accepted', 'rejected', 'consultation', 'evaluation', 'awaiting_respondent',
          'mediation', 'mediation_failed', 'referral_offered', 'referred', 'settled', 'confirmation_requested',
          'confirmed', 'confirmation_refused', 'withdrawn', 'closed')


def upgrade():
    op.create_table('ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('mediator_id', sa.Integer(), nullable=True),
    sa.Column('process_score', sa.SmallInteger(), nullable=False),
    sa.Column('mediator_score', sa.SmallInteger(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.CheckConstraint('process_score BETWEEN 1 AND 5', name=op.f('ck_ratings_process_score_range')),
    sa.CheckConstraint('mediator_score IS NULL OR mediator_score BETWEEN 1 AND 5', name=op.f('ck_ratings_mediator_score_range')),
    sa.CheckConstraint('mediator_score IS NULL OR mediator_id IS NOT NULL', name=op.f('ck_ratings_mediator_scored')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_ratings_case_id_cases')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_ratings_party_id_parties')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ratings_user_id_users')),
    sa.ForeignKeyConstraint(['mediator_id'], ['users.id'], name=op.f('fk_ratings_mediator_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratings')),
    sa.UniqueConstraint('case_id', 'party_id', name='uq_rating_party')
    )
    op.create_index('ix_ratings_mediator_id', 'ratings', ['mediator_id'], unique=False)
    op.create_index('ix_ratings_created_at', 'ratings', ['created_at'], unique=False)
    op.create_table('case_stages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum(*STATES, name='casestate', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('entered_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.Column('deadline', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('left_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('seconds', sa.Integer(), nullable=True),
    sa.Column('on_time', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_stages_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_stages'))
    )
    op.create_index('ix_case_stages_case_id', 'case_stages', ['case_id', 'id'], unique=False)
    op.create_index('ix_case_stages_left_at', 'case_stages', ['left_at'], unique=False,
                    sqlite_where=sa.text('left_at IS NOT NULL'), postgresql_where=sa.text('left_at IS NOT NULL'))


def downgrade():
    op.drop_index('ix_case_stages_left_at', table_name='case_stages',
                  sqlite_where=sa.text('left_at IS NOT NULL'), postgresql_where=sa.text('left_at IS NOT NULL'))
    op.drop_index('ix_case_stages_case_id', table_name='case_stages')
    op.drop_table('case_stages')
    op.drop_index('ix_ratings_created_at', table_name='ratings')
    op.drop_index('ix_ratings_mediator_id', table_name='ratings')
    op.drop_table('ratings')
