"""GET /healthz and GET /readyz, for a load balancer or a service manager.

/healthz: the process answers (nothing else is looked at). /readyz: the database answers, its schema
is at the migrations' head, and Redis answers when REDIS_URL is set; 503 when any does not. Both are
plain text, never cached, never rate-limited, and say nothing of why: the reason goes to the log.
"""

import logging

from alembic.script import ScriptDirectory
from flask import Response, current_app
from redis import Redis
from sqlalchemy import text

from .extensions import db, limiter

log = logging.getLogger(__name__)
NO_STORE = {"Cache-Control": "no-store"}


def register(app) -> None:
    app.add_url_rule("/healthz", "healthz", limiter.exempt(healthz))
    app.add_url_rule("/readyz", "readyz", limiter.exempt(readyz))


def healthz():
    return Response("ok\n", mimetype="text/plain", headers=NO_STORE)


def readyz():
    problem = _problem()
    if problem:
        log.warning("Not ready: %s", problem)
        return Response("not ready\n", status=503, mimetype="text/plain", headers=NO_STORE)
    return Response("ready\n", mimetype="text/plain", headers=NO_STORE)


def _problem() -> str | None:
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
