"""Is the forum ready to serve: the database answers, its schema is at the migrations' head, and Redis
answers when REDIS_URL is set. What keeps it from serving is for the log, not for the answer."""

from alembic.script import ScriptDirectory
from flask import current_app
from redis import Redis
from sqlalchemy import text

from ..extensions import db


def problem() -> str | None:
    """What keeps the app from serving (None when nothing does)."""
    try:
        with db.engine.connect() as connection:
            revisions = set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except Exception as error:  # refused, timed out, no such table: all mean "not ready"
        return f"the database does not answer as expected ({type(error).__name__}: {error})"
    if revisions != (heads := migration_heads()):
        return f"the database is at {sorted(revisions)}, the migrations at {sorted(heads)}: run `flask db upgrade`"
    if redis_url := current_app.config["REDIS_URL"]:
        extensions = current_app.extensions
        if "readyz_redis" not in extensions:
            extensions["readyz_redis"] = Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
        try:
            extensions["readyz_redis"].ping()
        except Exception as error:
            return f"Redis does not answer ({type(error).__name__}: {error})"
    return None


_heads: set[str] = set()


def migration_heads() -> set[str]:
    """The head revisions of migrations/ (read once per process: they change only with the code)."""
    if not _heads:
        _heads.update(ScriptDirectory(current_app.extensions["migrate"].directory).get_heads())
    return _heads
