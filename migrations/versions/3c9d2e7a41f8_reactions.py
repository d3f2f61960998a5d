"""Reactions beside Like: post_likes become post_reactions (each like a reaction of kind "like"), and
posts.like_count becomes posts.reaction_count, which counts them all ("top" order reads it)

Revision ID: 3c9d2e7a41f8
Revises: c82499ddfc56
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c9d2e7a41f8'
down_revision = 'c82499ddfc56'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('post_reactions',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_reactions_post_id_posts')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_post_reactions_user_id_users')),
    sa.PrimaryKeyConstraint('post_id', 'user_id', name=op.f('pk_post_reactions'))
    )
    with op.batch_alter_table('post_reactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_reactions_user_id'), ['user_id'], unique=False)
    # Every like is kept, as a reaction of kind "like"; the count on each post already counts them.
    op.execute("INSERT INTO post_reactions (post_id, user_id, kind, created_at) "
               "SELECT post_id, user_id, 'like', created_at FROM post_likes")
    with op.batch_alter_table('post_likes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_likes_user_id'))
    op.drop_table('post_likes')
    # A plain rename on both databases (SQLite 3.25 and later): a batch copy of posts would cost a
    # large forum minutes, and its search triggers would have to be made again.
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_thread_likes')
    op.execute("ALTER TABLE posts RENAME COLUMN like_count TO reaction_count")
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_thread_reactions', ['thread_id', 'reaction_count', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_thread_reactions')
    op.execute("ALTER TABLE posts RENAME COLUMN reaction_count TO like_count")
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_thread_likes', ['thread_id', 'like_count', 'id'], unique=False)
    op.create_table('post_likes',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_likes_post_id_posts')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_post_likes_user_id_users')),
    sa.PrimaryKeyConstraint('post_id', 'user_id', name=op.f('pk_post_likes'))
    )
    with op.batch_alter_table('post_likes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_likes_user_id'), ['user_id'], unique=False)
    # Likes knew no other kind: every reaction goes back as a like (one per member and post, as
    # before), so the counts on the posts stay right.
    op.execute("INSERT INTO post_likes (post_id, user_id, created_at) "
               "SELECT post_id, user_id, created_at FROM post_reactions")
    with op.batch_alter_table('post_reactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_reactions_user_id'))
    op.drop_table('post_reactions')
