"""Articles' settings (closed, closing after N days, pre-moderated, members-only reading) and editors' picks

Revision ID: eddfff1c2a26
Revises: 5e0a1d7c3b92
Create Date: 2026-12-07 02:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'eddfff1c2a26'
down_revision = '5e0a1d7c3b92'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('close_after_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('premoderated', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('members_only', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('featured_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('featured_at')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_column('members_only')
        batch_op.drop_column('premoderated')
        batch_op.drop_column('close_after_days')
        batch_op.drop_column('closed')
