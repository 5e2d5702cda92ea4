"""roster: mediator profiles, a party's requests for a mediator

Revision ID: 0190_roster
Revises: 0180_statistics_indexes
Create Date: 2026-11-22 01:20:00

"""
from alembic import op
import sqlalchemy as sa

import odr.core.models  # noqa: F401  (custom column types used below)


# revision identifiers, used by Alembic.
revision = '0190_roster'
down_revision = '0180_statistics_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mediator_profiles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('specialties', sa.JSON(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('qualifications', sa.Text(), nullable=False),
    sa.Column('years_of_practice', sa.Integer(), nullable=False),
    sa.Column('availability', sa.String(length=200), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('studio_name', sa.String(length=200), nullable=True),
    sa.Column('studio_public', sa.Boolean(), nullable=False),
    sa.Column('home_address', sa.String(length=255), nullable=True),
    sa.Column('employer', sa.String(length=200), nullable=True),
    sa.Column('updated_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mediator_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_mediator_profiles'))
    )
    op.create_table('mediator_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=20), nullable=False),
    sa.Column('mediator_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('created_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_mediator_requests_case_id_cases')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_mediator_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['mediator_id'], ['users.id'], name=op.f('fk_mediator_requests_mediator_id_users')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_mediator_requests_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediator_requests'))
    )
    with op.batch_alter_table('mediator_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mediator_requests_case_id'), ['case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('mediator_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mediator_requests_case_id'))
    op.drop_table('mediator_requests')
    op.drop_table('mediator_profiles')
