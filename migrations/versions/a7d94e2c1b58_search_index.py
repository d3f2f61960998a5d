"""search index

posts.search_text, the plain text of each post's rendered HTML (filled for the posts already there),
then FTS5 tables and triggers on SQLite, generated tsvector columns with GIN indexes on PostgreSQL,
built from the posts' search_text and the threads' titles.

The statements are copied from forum/search/index.py as it was when this was written, so that
later changes there never alter what this migration did. The backfill uses the app's own
`text_of`, so existing posts read exactly as new ones are written.

Revision ID: a7d94e2c1b58
Revises: 2da56936bbcd
Create Date: 2026-11-28 17:10:00

"""
from alembic import op
import sqlalchemy as sa

from forum.posts.service.plain import text_of


# revision identifiers, used by Alembic.
revision = 'a7d94e2c1b58'
down_revision = '2da56936bbcd'
branch_labels = None
depends_on = None

TOKENIZER = "porter unicode61 remove_diacritics 2"
BATCH = 1000  # posts read, turned into text and written back at a time

SQLITE_UPGRADE = (
    "CREATE VIRTUAL TABLE posts_search USING fts5("
    f"search_text, content='posts', content_rowid='id', tokenize='{TOKENIZER}')",
    "CREATE VIRTUAL TABLE threads_search USING fts5("
    f"title, content='threads', content_rowid='id', tokenize='{TOKENIZER}')",
    """CREATE TRIGGER posts_search_insert AFTER INSERT ON posts BEGIN
         INSERT INTO posts_search(rowid, search_text) VALUES (new.id, new.search_text);
       END""",
    """CREATE TRIGGER posts_search_update AFTER UPDATE OF search_text ON posts BEGIN
         INSERT INTO posts_search(posts_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
         INSERT INTO posts_search(rowid, search_text) VALUES (new.id, new.search_text);
       END""",
    """CREATE TRIGGER posts_search_delete AFTER DELETE ON posts BEGIN
         INSERT INTO posts_search(posts_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
       END""",
    """CREATE TRIGGER threads_search_insert AFTER INSERT ON threads BEGIN
         INSERT INTO threads_search(rowid, title) VALUES (new.id, new.title);
       END""",
    """CREATE TRIGGER threads_search_update AFTER UPDATE OF title ON threads BEGIN
         INSERT INTO threads_search(threads_search, rowid, title) VALUES ('delete', old.id, old.title);
         INSERT INTO threads_search(rowid, title) VALUES (new.id, new.title);
       END""",
    """CREATE TRIGGER threads_search_delete AFTER DELETE ON threads BEGIN
         INSERT INTO threads_search(threads_search, rowid, title) VALUES ('delete', old.id, old.title);
       END""",
    # Backfill: index every row already written.
    "INSERT INTO posts_search(posts_search) VALUES ('rebuild')",
    "INSERT INTO threads_search(threads_search) VALUES ('rebuild')",
)
SQLITE_DOWNGRADE = (
    *(f"DROP TRIGGER IF EXISTS {table}_search_{change}"
      for table in ("posts", "threads") for change in ("insert", "update", "delete")),
    "DROP TABLE IF EXISTS posts_search",
    "DROP TABLE IF EXISTS threads_search",
)

# A stored generated column is computed for every existing row when it is added: that is the backfill.
POSTGRES_UPGRADE = (
    "ALTER TABLE posts ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', replace(search_text, '<', E'<\\u200B'))) STORED",
    "CREATE INDEX ix_posts_search_vector ON posts USING gin (search_vector)",
    "ALTER TABLE threads ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', replace(title, '<', E'<\\u200B'))) STORED",
    "CREATE INDEX ix_threads_search_vector ON threads USING gin (search_vector)",
)
POSTGRES_DOWNGRADE = (
    "DROP INDEX IF EXISTS ix_posts_search_vector",
    "DROP INDEX IF EXISTS ix_threads_search_vector",
    "ALTER TABLE posts DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE threads DROP COLUMN IF EXISTS search_vector",
)


posts = sa.table("posts", sa.column("id", sa.Integer), sa.column("body_html", sa.Text),
                 sa.column("search_text", sa.Text))


def _run(statements_by_dialect):
    for statement in statements_by_dialect.get(op.get_bind().dialect.name, ()):
        op.execute(statement)


def _fill_search_text():
    """Every post's search_text from its body_html, a batch at a time (before the index exists, so
    no trigger runs per row; the index is then built once from the result)."""
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(sa.select(posts.c.id, posts.c.body_html).where(posts.c.id > last)
                                  .order_by(posts.c.id).limit(BATCH)).all()
        if not rows:
            return
        connection.execute(posts.update().where(posts.c.id == sa.bindparam("post_id"))
                           .values(search_text=sa.bindparam("text")),
                           [{"post_id": row.id, "text": text_of(row.body_html or "")} for row in rows])
        last = rows[-1].id


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    _fill_search_text()
    _run({"sqlite": SQLITE_UPGRADE, "postgresql": POSTGRES_UPGRADE})


def downgrade():
    # First the index, whose triggers and generated column read search_text; then the column.
    _run({"sqlite": SQLITE_DOWNGRADE, "postgresql": POSTGRES_DOWNGRADE})
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('search_text')
