"""The full-text index behind search, kept up to date by the database itself.

SQLite: two FTS5 tables with external content (`posts_search` over posts.search_text,
`threads_search` over threads.title), kept in step by triggers, so the text is stored once.
PostgreSQL: a generated tsvector column with a GIN index on each table.

Posts are indexed by `search_text`, the plain text of their rendered HTML (posts.service.plain.text_of),
never by their Markdown: a quote of a post removed since, collapsed to its placeholder on the page,
must not be found (or excerpted) through the post that quoted it.

Every post is indexed, removed or not: search filters removals out when it reads, so a removal
shows at once and an FTS5 'rebuild' is always a correct repair.

`db.create_all()` builds these through the metadata events below (tests); the migration
`a7d94e2c1b58_search_index` builds the same on a live database. Beware: an Alembic batch migration
that recreates `posts` or `threads` on SQLite drops their triggers; such a migration must run
`install(connection)` again and rebuild the index.
"""

from sqlalchemy import event

from ...extensions import db

LANGUAGE = "english"  # PostgreSQL text search configuration; FTS5's porter stemmer matches it roughly
TOKENIZER = "porter unicode61 remove_diacritics 2"


def _fts_triggers(table: str, column: str) -> tuple[str, ...]:
    """Triggers keeping the external-content index {table}_search of table.column: the index is
    told the old text exactly when a row changes or goes."""
    index = f"{table}_search"
    forget = f"INSERT INTO {index}({index}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
    learn = f"INSERT INTO {index}(rowid, {column}) VALUES (new.id, new.{column});"
    return (
        f"CREATE TRIGGER IF NOT EXISTS {index}_insert AFTER INSERT ON {table} BEGIN {learn} END",
        f"CREATE TRIGGER IF NOT EXISTS {index}_update AFTER UPDATE OF {column} ON {table} BEGIN {forget} {learn} END",
        f"CREATE TRIGGER IF NOT EXISTS {index}_delete AFTER DELETE ON {table} BEGIN {forget} END",
    )


SQLITE_CREATE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS posts_search USING fts5("
    f"search_text, content='posts', content_rowid='id', tokenize='{TOKENIZER}')",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS threads_search USING fts5("
    f"title, content='threads', content_rowid='id', tokenize='{TOKENIZER}')",
    *_fts_triggers("posts", "search_text"),
    *_fts_triggers("threads", "title"),
)
SQLITE_REBUILD = (
    "INSERT INTO posts_search(posts_search) VALUES ('rebuild')",
    "INSERT INTO threads_search(threads_search) VALUES ('rebuild')",
)
SQLITE_DROP = (
    *(f"DROP TRIGGER IF EXISTS {table}_search_{change}"
      for table in ("posts", "threads") for change in ("insert", "update", "delete")),
    "DROP TABLE IF EXISTS posts_search",
    "DROP TABLE IF EXISTS threads_search",
)

# PostgreSQL's parser takes `<script>` or `<b>` for markup and drops it, with the text of a script
# (search_text is plain text: a member's "<b>" is there as written): a zero-width space after each
# "<" keeps what members wrote about code searchable (and in excerpts), as on SQLite. ts_headline
# is given the same text (matching.TextSearch).
ZERO_WIDTH_SPACE = "\u200b"
UNTAGGED = "replace({}, '<', E'<\\u200B')"
POSTGRES_CREATE = (
    "ALTER TABLE posts ADD COLUMN IF NOT EXISTS search_vector tsvector "
    f"GENERATED ALWAYS AS (to_tsvector('{LANGUAGE}', {UNTAGGED.format('search_text')})) STORED",
    "CREATE INDEX IF NOT EXISTS ix_posts_search_vector ON posts USING gin (search_vector)",
    "ALTER TABLE threads ADD COLUMN IF NOT EXISTS search_vector tsvector "
    f"GENERATED ALWAYS AS (to_tsvector('{LANGUAGE}', {UNTAGGED.format('title')})) STORED",
    "CREATE INDEX IF NOT EXISTS ix_threads_search_vector ON threads USING gin (search_vector)",
)
POSTGRES_DROP = (
    "DROP INDEX IF EXISTS ix_posts_search_vector",
    "DROP INDEX IF EXISTS ix_threads_search_vector",
    "ALTER TABLE IF EXISTS posts DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE IF EXISTS threads DROP COLUMN IF EXISTS search_vector",
)

# Names Alembic's autogenerate must leave alone: they are not in the models.
OWN_NAMES = frozenset({"posts_search", "threads_search", "search_vector",
                       "ix_posts_search_vector", "ix_threads_search_vector"})


def install(connection, rebuild: bool = False):
    """Create the index (idempotent); `rebuild` fills it from the rows already there (SQLite;
    PostgreSQL computes generated columns for existing rows by itself)."""
    name = connection.dialect.name
    if name == "sqlite":
        statements = SQLITE_CREATE + (SQLITE_REBUILD if rebuild else ())
    elif name == "postgresql":
        statements = POSTGRES_CREATE
    else:
        return
    for statement in statements:
        connection.exec_driver_sql(statement)


def uninstall(connection):
    """Remove the index, its triggers and columns."""
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(connection.dialect.name, ())
    for statement in statements:
        connection.exec_driver_sql(statement)


def alembic_include_name(name, type_, parent_names) -> bool:
    """For autogenerate: skip the search objects (and FTS5's shadow tables, `posts_search_data`…)."""
    return not (name in OWN_NAMES or (type_ == "table" and name.startswith(("posts_search_", "threads_search_"))))


def _after_create(metadata, connection, **_kw):
    install(connection)


def _before_drop(metadata, connection, **_kw):
    uninstall(connection)


event.listen(db.metadata, "after_create", _after_create)
event.listen(db.metadata, "before_drop", _before_drop)
