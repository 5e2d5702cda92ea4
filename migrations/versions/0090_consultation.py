"""consultation: questions to consultants, their messages, the published FAQ

Revision ID: 0090_consultation
Revises: 0080_evaluation
Create Date: 2026-11-21 22:36:53.247033

"""
from alembic import op
import sqlalchemy as sa

import odr.core.models  # noqa: F401  (custom column types used below)


# revision identifiers, used by Alembic.
revision = '0090_consultation'
down_revision = '0080_evaluation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consult_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asker_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.Enum('neighbourhood', 'family', 'labour', 'property_management', 'tenancy', 'consumer', 'traffic', 'medical', 'construction', 'land_contract', 'private_lending', 'ecommerce', 'other', name='category', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('status', sa.Enum('open', 'answered', 'closed', name='questionstatus', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('lang', sa.String(length=10), nullable=False),
    sa.Column('created_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.Column('due_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.Column('answered_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.Column('closed_at', odr.core.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['asker_id'], ['users.id'], name=op.f('fk_consult_questions_asker_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_consult_questions_case_id_cases')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_consult_questions_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_consult_questions_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consult_questions'))
    )
    with op.batch_alter_table('consult_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consult_questions_asker_id'), ['asker_id'], unique=False)
        batch_op.create_index('ix_consult_questions_inbox', ['organisation_id', 'status', 'due_at'], unique=False)

    op.create_table('consult_faq',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.Enum('neighbourhood', 'family', 'labour', 'property_management', 'tenancy', 'consumer', 'traffic', 'medical', 'construction', 'land_contract', 'private_lending', 'ecommerce', 'other', name='category', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('lang', sa.String(length=10), nullable=False),
    sa.Column('question_text', sa.Text(), nullable=False),
    sa.Column('answer_text', sa.Text(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=False),
    sa.Column('published_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_consult_faq_published_by_id_users')),
    sa.ForeignKeyConstraint(['question_id'], ['consult_questions.id'], name=op.f('fk_consult_faq_question_id_consult_questions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consult_faq')),
    sa.UniqueConstraint('question_id', name=op.f('uq_consult_faq_question_id'))
    )
    op.create_table('consult_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('by_consultant', sa.Boolean(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', odr.core.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_consult_messages_author_id_users')),
    sa.ForeignKeyConstraint(['question_id'], ['consult_questions.id'], name=op.f('fk_consult_messages_question_id_consult_questions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consult_messages'))
    )
    with op.batch_alter_table('consult_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consult_messages_question_id'), ['question_id'], unique=False)



def downgrade():
    with op.batch_alter_table('consult_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consult_messages_question_id'))

    op.drop_table('consult_messages')
    op.drop_table('consult_faq')
    with op.batch_alter_table('consult_questions', schema=None) as batch_op:
        batch_op.drop_index('ix_consult_questions_inbox')
        batch_op.drop_index(batch_op.f('ix_consult_questions_asker_id'))

    op.drop_table('consult_questions')
