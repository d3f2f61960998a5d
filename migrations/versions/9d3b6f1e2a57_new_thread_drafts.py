"""A member's half-written new thread, kept like reply drafts until it is posted

Revision ID: 9d3b6f1e2a57
Revises: b7e3f1a2c9d4
Create Date: 2026-12-06 19:35:00

A double-clicked "Post thread" is held off by the opening post's request key, under the unique
constraint posts already have (uq_posts_author_request_key): no schema change is needed for that.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d3b6f1e2a57'
down_revision = 'b7e3f1a2c9d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'thread_drafts',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('category_slug', sa.String(length=80), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_thread_drafts_user_id_users')),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_thread_drafts')),
    )


def downgrade():
    op.drop_table('thread_drafts')
