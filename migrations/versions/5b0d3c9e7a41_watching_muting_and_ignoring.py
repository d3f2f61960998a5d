"""watching and muting threads, ignoring members

Revision ID: 5b0d3c9e7a41
Revises: 3c1f0a9d2b77
Create Date: 2026-11-28 18:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b0d3c9e7a41'
down_revision = '3c1f0a9d2b77'
branch_labels = None
depends_on = None


def upgrade():
    # Nobody watches, mutes or ignores anything yet: every thread starts "normal".
    op.create_table('thread_subscriptions',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.CheckConstraint("level IN ('watching', 'muted')", name=op.f('ck_thread_subscriptions_level')),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_thread_subscriptions_thread_id_threads')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_thread_subscriptions_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'thread_id', name=op.f('pk_thread_subscriptions'))
    )
    with op.batch_alter_table('thread_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_thread_subscriptions_thread_id'), ['thread_id'], unique=False)

    op.create_table('ignores',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('ignored_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('user_id <> ignored_id', name=op.f('ck_ignores_not_self')),
    sa.ForeignKeyConstraint(['ignored_id'], ['users.id'], name=op.f('fk_ignores_ignored_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ignores_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'ignored_id', name=op.f('pk_ignores'))
    )
    with op.batch_alter_table('ignores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ignores_ignored_id'), ['ignored_id'], unique=False)


def downgrade():
    # The choices go; notifications already sent stay.
    with op.batch_alter_table('ignores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ignores_ignored_id'))

    op.drop_table('ignores')
    with op.batch_alter_table('thread_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_thread_subscriptions_thread_id'))

    op.drop_table('thread_subscriptions')
