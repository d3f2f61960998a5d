"""Single sign-on tokens already used: each publisher's token signs in once (issue 17)

Revision ID: 428a292521ce
Revises: adc5e79b1bf4
Create Date: 2026-12-07 02:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '428a292521ce'
down_revision = 'adc5e79b1bf4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('used_sso_tokens',
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('jti', sa.String(length=200), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('issuer', 'jti', name=op.f('pk_used_sso_tokens'))
    )
    with op.batch_alter_table('used_sso_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_used_sso_tokens_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('used_sso_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_used_sso_tokens_expires_at'))
    op.drop_table('used_sso_tokens')
