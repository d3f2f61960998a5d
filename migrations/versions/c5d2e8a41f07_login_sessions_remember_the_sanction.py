"""A session a suspension or ban ended remembers that sanction, so its browser can be told why

Revision ID: c5d2e8a41f07
Revises: 9d3b6f1e2a57
Create Date: 2026-12-06 19:40:00
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c5d2e8a41f07'
down_revision = '9d3b6f1e2a57'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_by_sanction_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_login_sessions_ended_by_sanction_id_sanctions'), 'sanctions',
                                    ['ended_by_sanction_id'], ['id'])


def downgrade():
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_login_sessions_ended_by_sanction_id_sanctions'), type_='foreignkey')
        batch_op.drop_column('ended_by_sanction_id')
