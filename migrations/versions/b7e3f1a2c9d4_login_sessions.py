"""Sign-in sessions kept on the server, so that signing out ends them

Revision ID: b7e3f1a2c9d4
Revises: d41a7c9e2f60
Create Date: 2026-12-06 17:00:00

Cookies issued before this revision name no session and stop signing anyone in: every member signs
in once more.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7e3f1a2c9d4'
down_revision = 'd41a7c9e2f60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_sessions',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('token_hash', sa.String(length=64), nullable=False),
                    sa.Column('user_id', sa.Integer(), nullable=False),
                    sa.Column('generation', sa.String(length=64), nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
                    sa.Column('address', sa.String(length=45), nullable=False),
                    sa.Column('user_agent', sa.String(length=255), nullable=False),
                    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_sessions_user_id_users')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_sessions')),
                    sa.UniqueConstraint('token_hash', name=op.f('uq_login_sessions_token_hash')))
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_sessions_user_id'))
    op.drop_table('login_sessions')
