"""intake: how a case came in (channel, consent, grid, QR preset) and grid workers' regions

Revision ID: 0040_intake
Revises: 0030_partial_party_indexes
Create Date: 2026-11-21 22:31:43.388259

"""
import sqlalchemy as sa
from alembic import op

import odr.core.models  # noqa: F401  (custom column types used below)

# revision identifiers, used by Alembic.
revision = '0040_intake'
down_revision = '0030_partial_party_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('grid_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('created_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_grid_assignments_region_id_regions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_grid_assignments_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_assignments')),
    sa.UniqueConstraint('user_id', 'region_id', name='uq_grid_assignment')
    )
    with op.batch_alter_table('grid_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_assignments_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grid_assignments_user_id'), ['user_id'], unique=False)

    op.create_table('intake_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('self', 'grid_worker', 'qr', name='channel', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('consent_given_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('grid_region_id', sa.Integer(), nullable=True),
    sa.Column('preset_organisation_id', sa.Integer(), nullable=True),
    sa.Column('dispute_started_on', sa.Date(), nullable=True),
    sa.Column('steps_done', sa.String(length=200), nullable=False),
    sa.Column('created_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_intake_records_case_id_cases')),
    sa.ForeignKeyConstraint(['grid_region_id'], ['regions.id'], name=op.f('fk_intake_records_grid_region_id_regions')),
    sa.ForeignKeyConstraint(['preset_organisation_id'], ['organisations.id'], name=op.f('fk_intake_records_preset_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_records')),
    sa.UniqueConstraint('case_id', name=op.f('uq_intake_records_case_id'))
    )


def downgrade():
    op.drop_table('intake_records')
    with op.batch_alter_table('grid_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_assignments_user_id'))
        batch_op.drop_index(batch_op.f('ix_grid_assignments_region_id'))

    op.drop_table('grid_assignments')
