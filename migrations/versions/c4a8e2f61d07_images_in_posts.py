"""Images in posts: uploads, and which posts show them

Revision ID: c4a8e2f61d07
Revises: b7e3f1a9c254
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4a8e2f61d07'
down_revision = 'b7e3f1a9c254'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('display_width', sa.Integer(), nullable=True),
    sa.Column('display_height', sa.Integer(), nullable=True),
    sa.Column('alt', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_uploads_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_uploads')),
    sa.UniqueConstraint('owner_id', 'sha256', name='uq_uploads_owner_sha256')
    )
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.create_index('ix_uploads_created', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_uploads_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_uploads_sha256'), ['sha256'], unique=False)
    op.create_table('post_uploads',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_uploads_post_id_posts')),
    sa.ForeignKeyConstraint(['upload_id'], ['uploads.id'], name=op.f('fk_post_uploads_upload_id_uploads'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'upload_id', name=op.f('pk_post_uploads'))
    )
    with op.batch_alter_table('post_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_uploads_upload_id'), ['upload_id'], unique=False)


def downgrade():
    with op.batch_alter_table('post_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_uploads_upload_id'))
    op.drop_table('post_uploads')
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_uploads_sha256'))
        batch_op.drop_index(batch_op.f('ix_uploads_owner_id'))
        batch_op.drop_index('ix_uploads_created')
    op.drop_table('uploads')
