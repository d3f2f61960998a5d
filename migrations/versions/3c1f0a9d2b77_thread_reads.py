"""How far each member has read each thread

Revision ID: 3c1f0a9d2b77
Revises: e24b70deb8c4
Create Date: 2026-11-28 17:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c1f0a9d2b77'
down_revision = 'e24b70deb8c4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'thread_reads',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('last_read_post_id', sa.Integer(), nullable=False),
        sa.Column('read_count', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_thread_reads_thread_id_threads')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_thread_reads_user_id_users')),
        sa.PrimaryKeyConstraint('user_id', 'thread_id', name=op.f('pk_thread_reads')),
    )
    with op.batch_alter_table('thread_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_thread_reads_thread_id'), ['thread_id'], unique=False)


def downgrade():
    with op.batch_alter_table('thread_reads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_thread_reads_thread_id'))
    op.drop_table('thread_reads')
