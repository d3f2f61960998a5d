"""Answers every reader shares, kept in each worker's memory until the site changes.

Some answers cost milliseconds on a big forum and are the same for every reader of a kind: how many
threads a category lists, how many posts a member has written. Every change any reader could see
writes a new `site_state.pages_version` in its own transaction (forum.database's write_transaction;
the guest page cache, forum.page_cache, relies on the same). So an answer computed after reading the
version is right for as long as the version stays the same, and

    count = while_unchanged(("threads", category_id, reader_kind(viewer)), lambda: ...count them...)

computes it once per worker and version. Nothing is invalidated by hand: a new version makes every
kept answer stale, and each is computed again the first time it is asked for.

The rules that keep it honest:

- The version is read once per request, in the request's own transaction and before the answer is
  computed (`request_version`): on SQLite both see the same snapshot; on PostgreSQL (read committed) the
  answer can only be newer than the version it is kept under, and that version is then already stale.
- The key names everything the answer depends on besides the site's public state: who is asking,
  as far as it matters (a guest, a member, staff), never the member themselves — answers about one
  member's own state (notifications, drafts, reading marks) are written with public=False and must not
  be kept here. The one exception is `true_while_unchanged`: a yes that a member's private writes can
  only confirm (whether their posts and reading have reached a trust level), kept, once yes, for them.
- Only plain values are kept (numbers, strings, tuples), never ORM objects: they outlive the session.
- At most MAX_ANSWERS a worker (each app has its own: `register`); the least recently used go first.
  The largest answers kept are a thread list's page (about 30 KB, only a list's first pages) and a
  profile's recent posts (about 6 KB): a crawler walking every profile fills at most some 25 MB a worker.
- A database no change has reached yet has no version (None): answers are kept under None, as the guest
  page cache keeps pages, until the first change writes one.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app, g
from sqlalchemy import select, text

from .extensions import db
from .models import SiteState

MAX_ANSWERS = 4_000
VERSION_QUERY = text(f"SELECT pages_version FROM {SiteState.__tablename__} WHERE id = 1")

T = TypeVar("T")


class Answers:
    """One app's kept answers: key -> (version, answer), least recently used first."""

    def __init__(self):
        self.kept: OrderedDict[Hashable, tuple[str | None, object]] = OrderedDict()
        self.lock = threading.Lock()


def register(app) -> None:
    app.extensions["unchanged"] = Answers()


def request_version() -> str | None:
    """The site's pages_version as this request's transaction sees it (None before the first change),
    read once a request."""
    if "pages_version" not in g:  # on the session's connection: a plain row needs nothing of the ORM layer
        g.pages_version = db.session.connection().execute(VERSION_QUERY).scalar()
    return g.pages_version


def version_column():
    """The pages_version as a column, for a request to read it with the first thing it reads
    (then `note_version`): one query fewer than `request_version` asking it apart."""
    return select(SiteState.pages_version).where(SiteState.id == 1).scalar_subquery()


def note_version(version: str | None) -> None:
    """The version this request read with its first statement (`version_column`), unless it read it before."""
    if "pages_version" not in g:
        g.pages_version = version


def forget_version() -> None:
    """This request has just changed the site (it committed a write): read the version again."""
    g.pop("pages_version", None)


def while_unchanged(key: Hashable, compute: Callable[[], T]) -> T:
    """compute()'s answer, kept under `key` until the site changes (the module's docstring has the rules)."""
    version = request_version()
    kept = _kept(key, version)
    if kept is not None:
        return kept[1]
    answer = compute()
    _keep(key, version, answer)
    return answer


def true_while_unchanged(key: Hashable, compute: Callable[[], bool]) -> bool:
    """compute(), for a question about one member that their own private writes may turn true but only a
    change of the site can turn false (their posts and reading reach a trust level's thresholds: their
    reading is private, losing a post is not): a true answer is kept until the site changes, a false one
    never is."""
    version = request_version()
    if _kept(key, version) is not None:
        return True
    answer = compute()
    if answer:
        _keep(key, version, True)
    return answer


def _kept(key: Hashable, version: str | None) -> tuple[str | None, object] | None:
    answers = current_app.extensions["unchanged"]
    with answers.lock:
        kept = answers.kept.get(key)
        if kept is None or kept[0] != version:
            return None
        answers.kept.move_to_end(key)
        return kept


def _keep(key: Hashable, version: str | None, answer) -> None:
    answers = current_app.extensions["unchanged"]
    with answers.lock:
        answers.kept[key] = (version, answer)
        answers.kept.move_to_end(key)
        while len(answers.kept) > MAX_ANSWERS:
            answers.kept.popitem(last=False)
