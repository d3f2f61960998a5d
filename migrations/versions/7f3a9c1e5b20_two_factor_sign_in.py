"""Two-factor sign-in: the members' TOTP secrets, their recovery codes, and when each session last
confirmed the password

Revision ID: 7f3a9c1e5b20
Revises: 9d2c4e7f1a30
Create Date: 2026-12-06 20:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7f3a9c1e5b20'
down_revision = '9d2c4e7f1a30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
    with op.batch_alter_table('login_sessions') as batch_op:
        # Sessions begun before this revision count as confirmed when they began.
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(), nullable=False,
                                      server_default=sa.text('CURRENT_TIMESTAMP')))
    op.execute('UPDATE login_sessions SET confirmed_at = created_at')
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    op.create_index(op.f('ix_recovery_codes_user_id'), 'recovery_codes', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_recovery_codes_user_id'), table_name='recovery_codes')
    op.drop_table('recovery_codes')
    with op.batch_alter_table('login_sessions') as batch_op:
        batch_op.drop_column('confirmed_at')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret')
