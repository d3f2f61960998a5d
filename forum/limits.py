"""Rate limits: who may do what how often, the answer when they may not, and the counters' storage.

Counters must be shared by every worker process, or a limit trips at a multiple of its number
(in-process memory counts per worker). They live in Redis when REDIS_URL is set, else in the
database (`database://`, the rate_counters table, below), so no extra service is needed.
"""

import logging
import math
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from flask import current_app, request
from flask_limiter import RateLimitExceeded
from flask_login import current_user
from limits.errors import ConfigurationError
from limits.storage import Storage
from sqlalchemy import case, delete, literal, select
from sqlalchemy.exc import SQLAlchemyError

from .database import WRITE_OPTION, upsertable_insert
from .extensions import db, limiter
from .models import RateCounter
from .models.base import utcnow

log = logging.getLogger(__name__)

DATABASE_STORAGE_URI = "database://"


# --- The rules -------------------------------------------------------------------------------

def is_new_member() -> bool:
    """Whether the signed-in member is still new (not established): tighter limits apply."""
    # Imported here: forum.posts imports its views, which import this module.
    from .posts.context import links_allowed_for

    return current_user.is_authenticated and not links_allowed_for(current_user)


def _by_standing(setting: str):
    """A limit that reads NEW_MEMBER_<setting> for new members and <setting> for the others."""
    def limit_for_member() -> str:
        prefix = "NEW_MEMBER_" if is_new_member() else ""
        return current_app.config[prefix + setting]
    return limit_for_member


def _setting(name: str):
    return lambda: current_app.config[name]


def _member() -> str:
    return f"member:{current_user.id}"


def _created(response) -> bool:
    """Only what was made counts: 201 for htmx, the redirect to it for a page; refusals do not."""
    return response.status_code in (201, 302)


# Put each below @login_required, so that the member is known when the limit is checked.
limit_replies = limiter.limit(_by_standing("REPLY_RATE_LIMIT"), key_func=_member, deduct_when=_created)
limit_threads = limiter.limit(_by_standing("THREAD_RATE_LIMIT"), key_func=_member, deduct_when=_created)
# Pictures decoded per member (each upload costs real CPU to decode and re-encode).
limit_uploads = limiter.limit(_setting("AVATAR_RATE_LIMIT"), key_func=_member)
# Accounts created, per address (the limiter's key function).
limit_registrations = limiter.limit(_setting("REGISTER_RATE_LIMIT"), deduct_when=_created)


def max_mentions(established: bool) -> int:
    """How many members one post may mention (and notify)."""
    config = current_app.config
    return config["MAX_MENTIONS"] if established else min(config["MAX_MENTIONS"], config["NEW_MEMBER_MAX_MENTIONS"])


# --- The answer when a limit is reached ------------------------------------------------------

NOUNS = {"posts.create": ("reply", "replies"), "threads.create": ("new thread", "new threads")}
REFUSALS = {
    "auth.login": "Too many attempts to sign in. You can try again {wait}.",
    "auth.register": "Too many new accounts from your network or for this address. You can register again {wait}.",
    "posts.create": "You have reached the limit of {limit}{standing}. You can post again {wait}.",
    "threads.create": "You have reached the limit of {limit}{standing}. You can start another {wait}.",
}
DEFAULT_REFUSAL = "Too many attempts. You can try again {wait}."


def refusal(error: RateLimitExceeded) -> tuple[str, int]:
    """What to tell someone who reached a limit, and the seconds until they may try again."""
    breached = limiter.current_limit
    window_end = breached.window.reset_time if breached else time.time() + error.limit.limit.get_expiry()
    seconds = max(1, math.ceil(window_end - time.time()))
    endpoint = request.endpoint or ""
    template = REFUSALS.get(endpoint, DEFAULT_REFUSAL)
    standing = " for new members" if endpoint in NOUNS and is_new_member() else ""
    message = template.format(limit=_describe(error.limit.limit, endpoint), standing=standing,
                              wait=_in_words(seconds))
    return message, seconds


def _describe(item, endpoint: str) -> str:
    """'3 replies per minute', '20 new threads per day'."""
    one, many = NOUNS.get(endpoint, ("attempt", "attempts"))
    period = item.GRANULARITY.name if item.multiples == 1 else f"{item.multiples} {item.GRANULARITY.name}s"
    return f"{item.amount} {one if item.amount == 1 else many} per {period}"


def _in_words(seconds: int) -> str:
    """'in 40 seconds', 'in 12 minutes', 'in 5 hours' (rounded up: never too early)."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size or (unit == "minute" and seconds > 90):
            count = math.ceil(seconds / size)
            return f"in {count} {unit}s"
    return f"in {seconds} second{'s' if seconds != 1 else ''}"


# --- The storage -----------------------------------------------------------------------------

class DatabaseStorage(Storage):
    """Fixed-window counters in the rate_counters table of the app's own database.

    Each change runs in its own short transaction on its own connection, never in the request's
    session: on SQLite it begins IMMEDIATE (see forum.database), so writers wait in turn for the
    lock (busy timeout) instead of failing with "database is locked".
    """

    STORAGE_SCHEME = ["database"]
    SWEEP_SECONDS = 60  # how often each process deletes every expired counter

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._next_sweep = 0.0

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add `amount` to the counter and return it; an expired counter starts again from zero."""
        now = utcnow()
        table = RateCounter.__table__
        insert = _insert_for(db.engine.dialect.name)(table).values(
            key=key, count=amount, expires_at=now + timedelta(seconds=expiry))
        expired = table.c.expires_at <= now
        upsert = insert.on_conflict_do_update(index_elements=[table.c.key], set_={
            "count": case((expired, literal(amount)), else_=table.c.count + amount),
            "expires_at": case((expired, insert.excluded.expires_at), else_=table.c.expires_at),
        }).returning(table.c.count)
        with _writing() as connection:
            count = connection.execute(upsert).scalar_one()
        self._sweep_now_and_then(now)
        return count

    def get(self, key: str) -> int:
        """The counter's value, 0 when it has expired or never existed."""
        query = select(RateCounter.count).where(RateCounter.key == key, RateCounter.expires_at > utcnow())
        with db.engine.connect() as connection:
            return connection.execute(query).scalar() or 0

    def get_expiry(self, key: str) -> float:
        """When the counter's window ends (a Unix time); now, when there is none."""
        query = select(RateCounter.expires_at).where(RateCounter.key == key)
        with db.engine.connect() as connection:
            expires_at = connection.execute(query).scalar()
        if expires_at is None:
            return time.time()
        return max(expires_at.replace(tzinfo=UTC).timestamp(), time.time())

    def check(self) -> bool:
        try:
            with db.engine.connect() as connection:
                connection.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with _writing() as connection:
            return connection.execute(delete(RateCounter)).rowcount

    def clear(self, key: str) -> None:
        with _writing() as connection:
            connection.execute(delete(RateCounter).where(RateCounter.key == key))

    def _sweep_now_and_then(self, now: datetime) -> None:
        """Delete the counters of keys no longer used (an address seen once) once a minute."""
        if time.monotonic() < self._next_sweep:
            return
        self._next_sweep = time.monotonic() + self.SWEEP_SECONDS
        try:
            with _writing() as connection:
                connection.execute(delete(RateCounter).where(RateCounter.expires_at <= now))
        except SQLAlchemyError:  # another process sweeping at the same moment: it will do
            log.warning("Could not delete expired rate-limit counters", exc_info=True)


def _insert_for(dialect: str):
    if dialect not in ("sqlite", "postgresql"):
        raise ConfigurationError(f"database:// rate-limit storage does not support {dialect}")
    return upsertable_insert(dialect)


@contextmanager
def _writing():
    """A connection of its own in a write transaction (IMMEDIATE on SQLite), committed on exit."""
    with db.engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            yield connection
