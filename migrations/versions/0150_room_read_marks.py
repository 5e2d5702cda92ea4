"""room read marks: how far each person has read each channel (read receipts)

Revision ID: 0150_room_read_marks
Revises: 0140_satisfaction_statistics
Create Date: 2026-11-22 00:20:00

"""
from alembic import op
import sqlalchemy as sa

import odr.core.models  # noqa: F401  (custom column types used below)


# revision identifiers, used by Alembic.
revision = '0150_room_read_marks'
down_revision = '0140_satisfaction_statistics'
branch_labels = None
depends_on = None


def upgrade():
    # One row per reader and channel, moved forward only (odr/mediation/operations.store_read_mark).
    op.create_table('room_read_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('joint', 'caucus:applicant', 'caucus:respondent', name='channel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role_in_case', sa.String(length=40), nullable=True),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('updated_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.CheckConstraint('seq >= 0', name=op.f('ck_room_read_marks_seq_not_negative')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_room_read_marks_case_id_cases')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_room_read_marks_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room_read_marks')),
    sa.UniqueConstraint('case_id', 'channel', 'user_id', name='uq_room_read_marks_reader')
    )


def downgrade():
    op.drop_table('room_read_marks')
