"""New members' posts held for a moderator; spam flags that silence a new member

Revision ID: b7e1d3a9c5f2
Revises: 3b7e5a1c9d24
Create Date: 2026-12-06 20:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e1d3a9c5f2'
down_revision = '3b7e5a1c9d24'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('held_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=150), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('links_allowed', sa.Boolean(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('request_key', sa.String(length=64), nullable=True),
    sa.Column('why', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('reject_reason', sa.String(length=200), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_held_posts_author_id_users')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_held_posts_category_id_categories')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_held_posts_decided_by_id_users')),
    sa.ForeignKeyConstraint(['parent_id'], ['posts.id'], name=op.f('fk_held_posts_parent_id_posts')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_held_posts_post_id_posts')),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_held_posts_thread_id_threads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_held_posts')),
    sa.UniqueConstraint('author_id', 'request_key', name='uq_held_posts_author_request_key')
    )
    with op.batch_alter_table('held_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_held_posts_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_held_posts_thread_id'), ['thread_id'], unique=False)
        batch_op.create_index('ix_held_posts_waiting', ['decided_at', 'created_at'], unique=False)
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_by_sanction_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.alter_column('issued_by_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.alter_column('issued_by_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('threads', schema=None) as batch_op:
        batch_op.drop_column('removed_by_sanction_id')
    with op.batch_alter_table('held_posts', schema=None) as batch_op:
        batch_op.drop_index('ix_held_posts_waiting')
        batch_op.drop_index(batch_op.f('ix_held_posts_thread_id'))
        batch_op.drop_index(batch_op.f('ix_held_posts_author_id'))
    op.drop_table('held_posts')
