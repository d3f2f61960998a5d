"""Articles' settings (closed, closing after N days, pre-moderated, members-only reading) and editors' picks

Revision ID: eddfff1c2a26
Revises: 5e0a1d7c3b92
Create Date: 2026-12-07 02:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'eddfff1c2a26'
down_revision = '5e0a1d7c3b92'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('close_after_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('premoderated', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('members_only', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('featured_at', sa.DateTime(), nullable=True))


def downgrade():
    # Plain drops on both databases (SQLite 3.35 and later): a batch copy of posts would cost a large
    # forum minutes, and posts are referred to by many tables (a copy drops the table they refer to).
    op.execute("ALTER TABLE posts DROP COLUMN featured_at")
    for column in ('members_only', 'premoderated', 'close_after_days', 'closed'):
        op.execute(f"ALTER TABLE articles DROP COLUMN {column}")
