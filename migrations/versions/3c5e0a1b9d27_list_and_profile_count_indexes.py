"""Indexes that count a thread list's threads and a profile's posts without reading their rows

Revision ID: 3c5e0a1b9d27
Revises: 7ab79e854bac
Create Date: 2026-12-07 09:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c5e0a1b9d27'
down_revision = '7ab79e854bac'
branch_labels = None
depends_on = None


def upgrade():
    # Partial on SQLite; on PostgreSQL the condition's column is carried, not a key (see the models: the
    # search's plan would take either index for its "shown" conditions).
    op.create_index('ix_threads_category_shown', 'threads', ['category_id'],
                    sqlite_where=sa.text('removed_at IS NULL'), postgresql_include=['removed_at'])
    op.create_index('ix_posts_author_shown', 'posts', ['author_id', 'thread_id'],
                    sqlite_where=sa.text('removal IS NULL'), postgresql_include=['removal'])


def downgrade():
    op.drop_index('ix_posts_author_shown', table_name='posts')
    op.drop_index('ix_threads_category_shown', table_name='threads')
