"""Rate limits: who may do what how often, the answer when they may not, and the counters' storage.

Counters must be shared by every worker process, or a limit trips at a multiple of its number
(in-process memory counts per worker). They live in Redis when REDIS_URL is set, else in the
database (`database://`, the rate_counters table, below), so no extra service is needed. While
Redis cannot be reached they are counted in the database too (FallbackStorage): a limit that
guards passwords must never quietly become no limit.
"""

import logging
import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from flask import request
from flask_limiter import RateLimitExceeded
from flask_login import current_user
from limits import parse_many
from limits.errors import ConfigurationError
from limits.storage import RedisClusterStorage, RedisSentinelStorage, RedisStorage, Storage, storage_from_string
from sqlalchemy import case, delete, literal, select
from sqlalchemy.exc import SQLAlchemyError

from .database import WRITE_OPTION, upsertable_insert
from .extensions import db, limiter
from .models import RateCounter
from .models.base import utcnow
from .settings import site_setting
from .trust import NEW, abilities, level_of

log = logging.getLogger(__name__)

DATABASE_STORAGE_URI = "database://"
FALLBACK_PREFIX = "fallback+"  # fallback+redis://…: Redis, or the database while Redis is down


# --- The rules -------------------------------------------------------------------------------

def is_new_member() -> bool:
    """Whether the signed-in member is at the lowest trust level, "new" (forum/trust.py): tighter limits apply."""
    return current_user.is_authenticated and level_of(current_user) == NEW


def _by_standing(kind: str):
    """A limit that reads the setting the member's trust level names for `kind` ("reply_limit" or
    "thread_limit", forum/trust.py's LEVELS), read for each request: an admin may change it while the forum runs."""
    def limit_for_member() -> str:
        return site_setting(getattr(abilities(current_user), kind))
    return limit_for_member


def _setting(name: str):
    return lambda: site_setting(name)


def _member() -> str:
    return f"member:{current_user.id}"


def _created(response) -> bool:
    """Only what was made counts: 201 for htmx, the redirect to it for a page; refusals do not."""
    return response.status_code in (201, 302, 303)


# Put each below @login_required, so that the member is known when the limit is checked.
limit_replies = limiter.limit(_by_standing("reply_limit"), key_func=_member, deduct_when=_created)
limit_threads = limiter.limit(_by_standing("thread_limit"), key_func=_member, deduct_when=_created)
# Private messages count like replies, on a counter of their own; new conversations like new threads.
limit_messages = limiter.limit(_by_standing("reply_limit"), key_func=_member, deduct_when=_created)
limit_conversations = limiter.limit(_by_standing("conversation_limit"), key_func=_member, deduct_when=_created)
# Pictures decoded per member (each upload costs real CPU to decode and re-encode).
limit_uploads = limiter.limit(_setting("AVATAR_RATE_LIMIT"), key_func=_member)
# Accounts created, per address (the limiter's key function).
limit_registrations = limiter.limit(_setting("REGISTER_RATE_LIMIT"), deduct_when=_created)


def limit_invites(on_breach):
    """Invitation links made, per member. `on_breach(message, retry_after)` answers the refused request
    itself (the invitations page, with the message beside its form)."""
    def answer(breached):
        return on_breach(*breach_refusal(breached))
    return limiter.limit(_setting("INVITE_RATE_LIMIT"), key_func=_member, deduct_when=_created, on_breach=answer)


IMAGE_SCOPE = "image-uploads"


def take_image_upload(member_id: int) -> int | None:
    """Count one image the member uploads for a post against IMAGE_UPLOAD_RATE_LIMIT: the composer's
    paste and drop and the forms' file field count together. None when it may go ahead, else the
    seconds until it may (nothing is counted then)."""
    items = parse_many(site_setting("IMAGE_UPLOAD_RATE_LIMIT"))
    identity = (f"member:{member_id}", IMAGE_SCOPE)
    for item in items:
        if not limiter.limiter.test(item, *identity):
            reset, _ = limiter.limiter.get_window_stats(item, *identity)
            return max(1, math.ceil(reset - time.time()))
    for item in items:
        limiter.limiter.hit(item, *identity)
    return None


# --- The answer when a limit is reached ------------------------------------------------------

NOUNS = {"threads.reply": ("reply", "replies"), "threads.create": ("new thread", "new threads"),
         "auth.create_invite": ("invitation", "invitations"),
         "messages.reply": ("message", "messages"), "messages.create": ("new conversation", "new conversations")}
REFUSALS = {
    "auth.login": ("Too many attempts to sign in. You can try again {wait}. If this is your account, you can "
                   "still sign in from a browser you have signed in on before, or reset your password."),
    "auth.sso_sign_in": "Too many sign-ins from your network. You can try again {wait}.",
    "auth.register": "Too many new accounts from your network or for this address. You can register again {wait}.",
    "threads.reply": "You have reached the limit of {limit}{standing}. You can post again {wait}.",
    "threads.create": "You have reached the limit of {limit}{standing}. You can start another {wait}.",
    "auth.create_invite": "You have made {limit}, the most allowed. You can make another {wait}.",
    "messages.reply": "You have reached the limit of {limit}{standing}. You can send another {wait}.",
    "messages.create": "You have reached the limit of {limit}{standing}. You can start another {wait}.",
}
DEFAULT_REFUSAL = "Too many attempts. You can try again {wait}."
# Publisher's sign-in tokens tried at /sso/… (forum/auth/views/sso.py), per address: a reader signs in
# once in a while; this only slows a script trying tokens.
SSO_LIMIT = "30 per minute; 300 per hour"
# Registrations without a solved puzzle (forum/auth/views/registration.py names its limit this).
UNSOLVED_SCOPE = "unsolved"
UNSOLVED_REFUSAL = ("Registrations without JavaScript are limited to a few from each network, and that many "
                    "were made. You can register again {wait}, or at once with JavaScript on.")


def refusal(error: RateLimitExceeded) -> tuple[str, int]:
    """What to tell someone who reached a limit, and the seconds until they may try again."""
    breached = limiter.current_limit
    window_end = breached.window.reset_time if breached else time.time() + error.limit.limit.get_expiry()
    return _refusal(error.limit.limit, getattr(error.limit, "scope", None), window_end)


def breach_refusal(breached) -> tuple[str, int]:
    """The same, from a limit's on_breach callback (a flask_limiter RequestLimit)."""
    return _refusal(breached.limit, None, breached.window.reset_time)


def _refusal(item, scope, window_end: float) -> tuple[str, int]:
    seconds = max(1, math.ceil(window_end - time.time()))
    endpoint = request.endpoint or ""
    template = REFUSALS.get(endpoint, DEFAULT_REFUSAL)
    if endpoint == "auth.register" and scope == UNSOLVED_SCOPE:
        template = UNSOLVED_REFUSAL
    standing = " for new members" if endpoint in NOUNS and is_new_member() else ""
    message = template.format(limit=_describe(item, endpoint), standing=standing, wait=_in_words(seconds))
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


def delete_expired_counters() -> int:
    """Delete the database's expired rate-limit counters (the worker's hourly clean-up; each process also
    sweeps now and then while it counts); how many went."""
    with _writing() as connection:
        return connection.execute(delete(RateCounter).where(RateCounter.expires_at <= utcnow())).rowcount


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


# --- Redis, with the database standing in ----------------------------------------------------

@dataclass
class StoreOutage:
    """The rate-limit store has not answered since `since` (naive UTC); `updates` went to the database."""

    store: str
    since: datetime
    reason: str
    updates: int = 0


class FallbackStorage(Storage):
    """Counters in Redis, and in the database (DatabaseStorage) whenever Redis does not answer.

    Flask-Limiter's own fallback counts in each process's memory, which multiplies a sign-in limit by
    the number of workers; swallowing the error instead means no limit at all. An outage is logged
    when it starts, every REMIND_SECONDS while it lasts and when it ends, and admins see it
    (store_outage). While it lasts each process asks Redis again every RETRY_SECONDS, so a dead Redis
    costs one refused connection per period, not one per request. Counts made during an outage stay
    in the database: when Redis is back, a window may count from zero again.
    """

    STORAGE_SCHEME = [FALLBACK_PREFIX + scheme for family in (RedisStorage, RedisSentinelStorage,
                                                              RedisClusterStorage)
                      for scheme in family.STORAGE_SCHEME]
    RETRY_SECONDS = 30
    REMIND_SECONDS = 600
    # Without them a Redis host that drops packets would hold every request for minutes.
    TIMEOUTS = {"socket_connect_timeout": 2, "socket_timeout": 2}

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        redis_uri = uri.removeprefix(FALLBACK_PREFIX)
        self.primary = storage_from_string(redis_uri, **{**self.TIMEOUTS, **options})
        self.fallback = DatabaseStorage()
        self.name = _without_password(redis_uri)
        self.outage: StoreOutage | None = None
        self._lock = threading.Lock()
        self._retry_at = 0.0
        self._remind_at = 0.0

    @property
    def base_exceptions(self):
        return self.fallback.base_exceptions  # Redis's own errors never leave this class

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        return self._either(lambda store: store.incr(key, expiry, amount), update=True)

    def get(self, key: str) -> int:
        return self._either(lambda store: store.get(key))

    def get_expiry(self, key: str) -> float:
        return self._either(lambda store: store.get_expiry(key))

    def check(self) -> bool:
        """Whether limits can be counted somewhere; asks Redis (at most every RETRY_SECONDS when down)."""
        if self._redis_may_answer():
            if self.primary.check():  # it answers False rather than raising
                self._came_back()
                return True
            self._went_down("no answer to PING")
        return self.fallback.check()

    def reset(self) -> int | None:
        self.fallback.reset()
        return self._either(lambda store: store.reset())

    def clear(self, key: str) -> None:
        self.fallback.clear(key)
        self._either(lambda store: store.clear(key))

    def _either(self, use, update: bool = False):
        """`use(Redis)`, or `use(the database)` when Redis is down or fails now."""
        if self._redis_may_answer():
            try:
                result = use(self.primary)
            except self.primary.base_exceptions as error:
                self._went_down(f"{type(error).__name__}: {error}")
            else:
                self._came_back()
                return result
        if update:
            with self._lock:
                if self.outage:
                    self.outage.updates += 1
        try:
            return use(self.fallback)
        except self.fallback.base_exceptions as error:
            # Flask-Limiter then swallows it (RATELIMIT_SWALLOW_ERRORS) into a logger nobody hears.
            log.error("Rate limit not counted: %s is unreachable and the database failed too: %s",
                      self.name, error)
            raise

    def _redis_may_answer(self) -> bool:
        """True when Redis is up, or when it is time to ask it again (one request per period does)."""
        if self.outage is None:
            return True
        now = time.monotonic()
        with self._lock:
            if now < self._retry_at:
                return False
            self._retry_at = now + self.RETRY_SECONDS
            return True

    def _went_down(self, reason: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._retry_at = now + self.RETRY_SECONDS
            starting = self.outage is None
            if starting:
                self.outage = StoreOutage(self.name, utcnow(), reason)
            reminding = starting or now >= self._remind_at
            if reminding:
                self._remind_at = now + self.REMIND_SECONDS
            outage = self.outage
        if starting:
            log.error("Rate-limit store %s is unreachable (%s): limits are counted in the database until it "
                      "answers again", self.name, reason)
        elif reminding:
            log.error("Rate-limit store %s still unreachable since %s UTC (%s): %d counter updates went to the "
                      "database so far", self.name, outage.since.isoformat(" ", "seconds"), reason, outage.updates)

    def _came_back(self) -> None:
        if self.outage is None:
            return
        with self._lock:
            outage, self.outage = self.outage, None
        if outage:
            seconds = (utcnow() - outage.since).total_seconds()
            log.warning("Rate-limit store %s is reachable again after %d seconds; %d counter updates went to the "
                        "database meanwhile", self.name, seconds, outage.updates)


def _without_password(uri: str) -> str:
    """The store's address as it may be logged and shown: redis://:secret@host → redis://host."""
    parts = urlsplit(uri)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def store_outage() -> StoreOutage | None:
    """Whether the rate-limit store is down, as this process sees it after asking it."""
    storage = limiter.storage
    if not isinstance(storage, FallbackStorage):
        return None
    storage.check()
    return storage.outage
