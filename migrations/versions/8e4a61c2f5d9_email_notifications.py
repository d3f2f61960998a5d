"""email: notification email choice, last digest, notifications emailed

Revision ID: 8e4a61c2f5d9
Revises: 5b0d3c9e7a41
Create Date: 2026-11-29 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8e4a61c2f5d9'
down_revision = '5b0d3c9e7a41'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_notifications', sa.String(length=8), server_default='off',
                                      nullable=False))
        batch_op.add_column(sa.Column('email_digest_sent_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('emailed_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('emailed_at')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_digest_sent_at')
        batch_op.drop_column('email_notifications')
