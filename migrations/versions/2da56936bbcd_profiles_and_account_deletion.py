"""profiles and account deletion: bio, avatar, deleted_at

Revision ID: 2da56936bbcd
Revises: 8e4a61c2f5d9
Create Date: 2026-11-28 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2da56936bbcd'
down_revision = '8e4a61c2f5d9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bio', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('bio_html', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('avatar', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('avatar')
        batch_op.drop_column('bio_html')
        batch_op.drop_column('bio')
