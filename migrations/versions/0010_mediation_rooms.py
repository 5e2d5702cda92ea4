"""mediation rooms: room_messages, the stored messages of each case's channels

Revision ID: 0010_mediation_rooms
Revises: 0001_foundation
Create Date: 2026-11-21 21:25:34.588050

"""
from alembic import op
import sqlalchemy as sa

import odr.core.models  # noqa: F401  (custom column types used below)


# revision identifiers, used by Alembic.
revision = '0010_mediation_rooms'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed: per-channel sequence numbers are unique per case (the replay index as well), a
    # resend is unique per (case, sender, client_msg_id); the checks mirror odr/mediation/models.py.
    op.create_table('room_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('joint', 'caucus:applicant', 'caucus:respondent', name='channel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('text', 'system', name='messagekind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('sender_role', sa.String(length=40), nullable=True),
    sa.Column('client_msg_id', sa.String(length=64), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind <> 'text' OR (sender_id IS NOT NULL AND client_msg_id IS NOT NULL)", name=op.f('ck_room_messages_text_has_sender')),
    sa.CheckConstraint('length(body) BETWEEN 1 AND 4000', name=op.f('ck_room_messages_body_length')),
    sa.CheckConstraint('seq > 0', name=op.f('ck_room_messages_seq_positive')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_room_messages_case_id_cases')),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_room_messages_sender_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room_messages')),
    sa.UniqueConstraint('case_id', 'channel', 'seq', name='uq_room_messages_seq'),
    sa.UniqueConstraint('case_id', 'sender_id', 'client_msg_id', name='uq_room_messages_client_msg_id')
    )


def downgrade():
    op.drop_table('room_messages')
    # The sequence counters of the rooms go with their messages.
    op.execute("DELETE FROM counters WHERE name LIKE 'room:%'")
