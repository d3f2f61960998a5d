"""Indexes for the admin charts: posts, sign-ups, flags and sanctions per day, flag waits, busiest threads

Revision ID: 3b7e5a1c9d24
Revises: 7f3a9c1e5b20
Create Date: 2026-12-06 20:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3b7e5a1c9d24'
down_revision = '7f3a9c1e5b20'
branch_labels = None
depends_on = None

INDEXES = [
    ('ix_posts_created_thread', 'posts', ['created_at', 'thread_id']),
    ('ix_users_created_at', 'users', ['created_at']),
    ('ix_flags_created_at', 'flags', ['created_at']),
    ('ix_flags_resolved_at', 'flags', ['resolved_at']),
    ('ix_sanctions_starts_at', 'sanctions', ['starts_at']),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
