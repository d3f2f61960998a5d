"""A member's half-written new private conversation, kept like a new thread's draft until it is sent

Revision ID: 7ab79e854bac
Revises: fc182a68a6d5
Create Date: 2026-12-07 03:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7ab79e854bac'
down_revision = 'fc182a68a6d5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'new_conversation_drafts',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('recipients', sa.String(length=400), nullable=False),
        sa.Column('subject', sa.String(length=150), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_new_conversation_drafts_user_id_users')),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_new_conversation_drafts')),
    )


def downgrade():
    op.drop_table('new_conversation_drafts')
