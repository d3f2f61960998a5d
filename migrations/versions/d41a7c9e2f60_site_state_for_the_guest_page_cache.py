"""The site_state row whose pages_version invalidates the guest page cache

Revision ID: d41a7c9e2f60
Revises: c5e81f0b3d42
Create Date: 2026-11-28 20:10:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd41a7c9e2f60'
down_revision = 'c5e81f0b3d42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('site_state',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('pages_version', sa.String(length=32), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_state')))


def downgrade():
    op.drop_table('site_state')
