"""Articles whose comments are a thread (comments under publishers' articles, forum/embed/)

Revision ID: e17a4c2b9d10
Revises: c4a8e2f61d07
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e17a4c2b9d10'
down_revision = 'c4a8e2f61d07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('origin', sa.String(length=200), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_articles_thread_id_threads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_articles')),
    sa.UniqueConstraint('thread_id', name=op.f('uq_articles_thread_id')),
    sa.UniqueConstraint('url', name=op.f('uq_articles_url'))
    )


def downgrade():
    op.drop_table('articles')
