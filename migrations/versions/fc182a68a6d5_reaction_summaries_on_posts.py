"""Each post keeps how many gave each reaction (posts.reaction_summary, "like:3 👍:1"), filled from
post_reactions, so a thread page shows the counts from the posts it loads, with no query of its own

Revision ID: fc182a68a6d5
Revises: 428a292521ce
Create Date: 2026-12-07 02:20:00

"""
from itertools import groupby

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fc182a68a6d5'
down_revision = '428a292521ce'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade():
    # A plain ADD COLUMN with a default on both databases: no copy of the posts table.
    op.add_column('posts', sa.Column('reaction_summary', sa.Text(), nullable=False, server_default=''))
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT post_id, kind, count(*) FROM post_reactions GROUP BY post_id, kind ORDER BY post_id, kind")).all()
    posts = sa.table('posts', sa.column('id', sa.Integer), sa.column('reaction_summary', sa.Text),
                     sa.column('reaction_count', sa.Integer))
    changed = (posts.update().where(posts.c.id == sa.bindparam('post_id'))
               .values(reaction_summary=sa.bindparam('summary'), reaction_count=sa.bindparam('total')))
    batch = []
    for post_id, kinds in groupby(rows, key=lambda row: row[0]):
        counts = [(kind, count) for _, kind, count in kinds]
        batch.append({'post_id': post_id, 'summary': ' '.join(f'{kind}:{count}' for kind, count in counts),
                      'total': sum(count for _, count in counts)})
        if len(batch) == BATCH:
            connection.execute(changed, batch)
            batch = []
    if batch:
        connection.execute(changed, batch)


def downgrade():
    # SQLite 3.35 and later drop a column in place, as PostgreSQL does: no batch copy.
    op.execute("ALTER TABLE posts DROP COLUMN reaction_summary")
