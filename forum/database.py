"""Database engine settings: SQLite pragmas, IMMEDIATE write transactions, a write helper."""

import secrets
from contextlib import contextmanager

from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from .extensions import db
from .models import SiteState
from .unchanged import forget_version

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


AFTER_COMMIT = "forum.after_commit"


@contextmanager
def write_transaction(public: bool = True):
    """Run the block in a fresh write transaction and commit it; roll back on any error.

    Services wrap every change in this. What the request read so far is released first, so the
    write sees the current rows (reloaded under the write lock on SQLite). A public change (the
    default) also makes every cached guest page stale; pass public=False only for what no guest
    can ever see, such as reading marks, drafts, notifications and a member's own settings.
    """
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("unsaved changes outside write_transaction() would be lost")
    if session.in_transaction():
        session.rollback()
    session.connection(execution_options={WRITE_OPTION: True})
    try:
        yield session
        if public:
            new_pages_version(session)
        session.commit()
        if public and has_app_context():
            forget_version()  # what this request reads next is kept under the version it just wrote
    except BaseException:
        session.rollback()
        session.info.pop(AFTER_COMMIT, None)
        raise
    for action in session.info.pop(AFTER_COMMIT, []):
        action()


def after_commit(session, action) -> None:
    """Call `action()` once this write transaction has committed (never if it rolls back): queue a job
    that must see what the transaction wrote."""
    session.info.setdefault(AFTER_COMMIT, []).append(action)


def new_pages_version(session) -> None:
    """Write a new site_state.pages_version, in the transaction of the change (forum.page_cache).

    write_transaction() calls it for every public change; the tests call it for a commit of their own."""
    insert = upsertable_insert(session.get_bind().dialect.name)(SiteState).values(
        id=1, pages_version=secrets.token_hex(16))
    session.execute(insert.on_conflict_do_update(index_elements=[SiteState.id],
                                                 set_={"pages_version": insert.excluded.pages_version}))


def upsertable_insert(dialect: str):
    """The `insert` of this dialect, which has `on_conflict_do_update` (SQLite and PostgreSQL)."""
    return {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[dialect]
