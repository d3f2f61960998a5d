"""Disposable-address domains an admin allows to register

Revision ID: 9d2c4e7f1a30
Revises: 9a3c5e7d1f20
Create Date: 2026-12-06 19:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d2c4e7f1a30'
down_revision = '9a3c5e7d1f20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('allowed_email_domains',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=253), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_allowed_email_domains_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allowed_email_domains')),
    sa.UniqueConstraint('domain', name=op.f('uq_allowed_email_domains_domain'))
    )


def downgrade():
    op.drop_table('allowed_email_domains')
