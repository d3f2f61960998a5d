"""Site settings an admin changes at /admin/settings

Revision ID: 9a3c5e7d1f20
Revises: c5d2e8a41f07
Create Date: 2026-12-06 19:50:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '9a3c5e7d1f20'
down_revision = 'c5d2e8a41f07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('site_settings',
                    sa.Column('name', sa.String(length=64), nullable=False),
                    sa.Column('value', sa.Text(), nullable=False),
                    sa.Column('changed_at', sa.DateTime(), nullable=False),
                    sa.Column('changed_by_id', sa.Integer(), nullable=True),
                    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'],
                                            name=op.f('fk_site_settings_changed_by_id_users'), ondelete='SET NULL'),
                    sa.PrimaryKeyConstraint('name', name=op.f('pk_site_settings')))


def downgrade():
    op.drop_table('site_settings')
