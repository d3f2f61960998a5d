"""Message drafts: a member's half-written message in a conversation, kept until it is sent

Revision ID: adc5e79b1bf4
Revises: eddfff1c2a26
Create Date: 2026-12-07 02:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'adc5e79b1bf4'
down_revision = 'eddfff1c2a26'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('message_drafts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['private_conversations.id'], name=op.f('fk_message_drafts_conversation_id_private_conversations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_message_drafts_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'conversation_id', name=op.f('pk_message_drafts'))
    )


def downgrade():
    op.drop_table('message_drafts')
