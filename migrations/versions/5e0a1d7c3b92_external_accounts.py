"""Accounts on other sites that sign members in (publisher SSO, OpenID Connect)

Revision ID: 5e0a1d7c3b92
Revises: 3c9d2e7a41f8
Create Date: 2026-12-07 02:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e0a1d7c3b92'
down_revision = '3c9d2e7a41f8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('external_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_external_accounts_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_accounts')),
    sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_external_accounts_issuer'))
    )
    with op.batch_alter_table('external_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_accounts_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('external_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_external_accounts_user_id'))
    op.drop_table('external_accounts')
