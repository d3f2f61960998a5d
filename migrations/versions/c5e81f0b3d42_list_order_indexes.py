"""Indexes that give thread lists and the most-liked order without sorting

Revision ID: c5e81f0b3d42
Revises: a7d94e2c1b58
Create Date: 2026-11-28 18:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c5e81f0b3d42'
down_revision = 'a7d94e2c1b58'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_index('ix_threads_category_activity')
        batch_op.create_index('ix_threads_category_activity', ['category_id', 'pinned', 'last_post_at', 'id'],
                              unique=False)
        batch_op.create_index('ix_threads_activity', ['pinned', 'last_post_at', 'id'], unique=False)
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_thread_likes', ['thread_id', 'like_count', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_thread_likes')
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_index('ix_threads_activity')
        batch_op.drop_index('ix_threads_category_activity')
        batch_op.create_index('ix_threads_category_activity', ['category_id', 'last_post_at'], unique=False)
