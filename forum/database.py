"""Database engine settings: SQLite pragmas, IMMEDIATE write transactions, a write helper."""

from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from .extensions import db

WRITE_OPTION = "forum_write"


def configure(app):
    """Tune the engine once it exists: WAL and friends on SQLite, nothing on PostgreSQL."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine)


def _configure_sqlite(engine: Engine):
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event, below, decide how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # A write that begins DEFERRED and reads first fails at once with "database is locked"
        # when another writer got in between; IMMEDIATE takes the write lock up front and waits
        # (busy_timeout) for it instead.
        if connection.get_execution_options().get(WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


@contextmanager
def write_transaction():
    """Run the block in a fresh write transaction and commit it; roll back on any error.

    Services wrap every change in this. What the request read so far is released first, so the
    write sees the current rows (reloaded under the write lock on SQLite).
    """
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("unsaved changes outside write_transaction() would be lost")
    if session.in_transaction():
        session.rollback()
    session.connection(execution_options={WRITE_OPTION: True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def upsertable_insert(dialect: str):
    """The `insert` of this dialect, which has `on_conflict_do_update` (SQLite and PostgreSQL)."""
    return {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[dialect]
