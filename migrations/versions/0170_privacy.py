"""privacy: anonymisation requests, service settings (the retention period)

Revision ID: 0170_privacy
Revises: 0160_identity
Create Date: 2026-11-22 00:50:00

"""
from alembic import op
import sqlalchemy as sa

import odr.core.models  # noqa: F401  (custom column types used below)


# revision identifiers, used by Alembic.
revision = '0170_privacy'
down_revision = '0160_identity'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('service_settings',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_service_settings_changed_by_id_users')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_service_settings'))
    )
    op.create_table('anonymisation_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.Column('due_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.Column('done_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_anonymisation_requests_case_id_cases')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_anonymisation_requests_party_id_parties')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_anonymisation_requests_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_anonymisation_requests')),
    sa.UniqueConstraint('party_id', name='uq_anonymisation_requests_party')
    )
    with op.batch_alter_table('anonymisation_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_anonymisation_requests_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_anonymisation_requests_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_anonymisation_requests_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('anonymisation_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_anonymisation_requests_user_id'))
        batch_op.drop_index(batch_op.f('ix_anonymisation_requests_due_at'))
        batch_op.drop_index(batch_op.f('ix_anonymisation_requests_case_id'))
    op.drop_table('anonymisation_requests')
    op.drop_table('service_settings')
