"""Search rules: what was asked for, which results a reader may see, and the results themselves.

Results are posts whose text matches and threads whose title matches, ranked together by relevance
(newest first on ties) among the newest RANKED_MAX of each. Removed posts are never found; threads
a moderator removed are found by staff only; members-only categories by members only (`readable_by`).
"""

import re
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape
from sqlalchemy import func, literal_column, select, union_all
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...members.service import profiles as members
from ...models import Category, Post, Thread, User
from ...pagination import Page
from ...policy import readable_by
from .matching import Markers, matcher_for

QUERY_MAX = 200
AUTHOR_MAX = 40
TITLE_WEIGHT = 2.0  # a matching title counts for more than a matching post
# Only the newest matches are ranked and counted, so that a word in half of a million posts is as
# quick to search as a rare one; more than this asks the reader for more words.
RANKED_MAX = 1000
THREAD, POST = 0, 1  # the kinds of result, in the order they come on a tie
# Control characters mean nothing in a search, and PostgreSQL refuses NUL outright.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Wanted:
    """A search as asked: the text (cleaned and capped), the filters, and notes for the reader."""

    text: str = ""
    category: Category | None = None
    author: User | None = None
    notes: tuple[str, ...] = ()
    finds_nothing: bool = False  # a filter named a category or member that is not there

    @property
    def is_empty(self) -> bool:
        return not self.text


@dataclass(frozen=True)
class Hit:
    """One result: a post whose text matched (`post`), or a thread whose title did (`post` is None)."""

    thread: Thread
    post: Post | None
    title: Markup
    excerpt: Markup | None

    @property
    def author(self) -> User:
        return self.post.author if self.post else self.thread.author

    @property
    def written_at(self) -> datetime:
        return self.post.created_at if self.post else self.thread.created_at


@dataclass(frozen=True)
class Tally:
    """How many results there are to page through, and whether there were more matches than that."""

    total: int = 0
    more: bool = False


def wanted(text: str, category_slug: str, author_name: str, categories: list[Category]) -> Wanted:
    """Make sense of the request: overlong text is cut (and the reader told), unknown filters noted."""
    text = clean(text)
    notes = []
    if len(text) > QUERY_MAX:
        text = text[:QUERY_MAX].rstrip()
        notes.append(f"Searches are at most {QUERY_MAX} characters long: only the first {QUERY_MAX} were searched.")
    category = next((c for c in categories if c.slug == category_slug), None) if category_slug else None
    if category_slug and category is None:
        notes.append("There is no such category.")
    author_name = clean(author_name).removeprefix("@")[:AUTHOR_MAX]
    # A deleted member's held username names nobody any more: searching by it finds nothing.
    author = members.active_member(author_name) if author_name else None
    if author_name and author is None:
        notes.append(f"No member is called “{author_name}”.")
    missing = bool(category_slug and category is None) or bool(author_name and author is None)
    return Wanted(text=text, category=category, author=author, notes=tuple(notes), finds_nothing=missing)


def clean(text: str | None) -> str:
    """The text with control characters gone and runs of white space made one space."""
    return " ".join(CONTROL.sub(" ", text or "").split())



def count(wanted: Wanted, viewer) -> Tally:
    """How many results `viewer` may see, counted in the full-text index as the results are: up to
    RANKED_MAX posts and RANKED_MAX titles, so a common word costs no more than a rare one."""
    matcher = matcher_for(wanted.text)
    if wanted.finds_nothing or not matcher.searchable:
        return Tally()
    counts = [select(func.count()).select_from(query.subquery()).scalar_subquery()
              for query in _candidates(matcher, wanted, viewer, ranked=False, limit=RANKED_MAX + 1)]
    posts, titles = db.session.execute(select(*counts)).one()
    return Tally(total=min(posts, RANKED_MAX) + min(titles, RANKED_MAX), more=max(posts, titles) > RANKED_MAX)


def hits(wanted: Wanted, viewer, page: Page) -> list[Hit]:
    """One page of results, best first (newest first on a tie), with threads, authors and excerpts."""
    matcher = matcher_for(wanted.text)
    if wanted.finds_nothing or not matcher.searchable:
        return []
    found = union_all(*(select(query.subquery()) for query in
                        _candidates(matcher, wanted, viewer, ranked=True, limit=RANKED_MAX))).subquery("hits")
    rows = db.session.execute(
        select(found.c.kind, found.c.item_id, found.c.thread_id)
        .order_by(found.c.rank, found.c.created_at.desc(), found.c.kind, found.c.item_id.desc())
        .offset(page.offset).limit(page.per_page)
    ).all()
    return _shown(matcher, rows) if rows else []


def _shown(matcher, rows) -> list[Hit]:
    """The results on the page, with what they show loaded in a fixed number of queries."""
    post_ids = [row.item_id for row in rows if row.kind == POST]
    posts = {post.id: post for post in db.session.scalars(
        select(Post).where(Post.id.in_(post_ids)).options(joinedload(Post.author)))} if post_ids else {}
    threads = {thread.id: thread for thread in db.session.scalars(
        select(Thread).where(Thread.id.in_({row.thread_id for row in rows}))
        .options(joinedload(Thread.category), joinedload(Thread.author)))}
    excerpts = matcher.excerpts(post_ids)
    titles = matcher.titles([row.item_id for row in rows if row.kind == THREAD])
    return [
        Hit(thread=threads[row.thread_id], post=None, excerpt=None,
            title=marked(titles.get(row.item_id) or threads[row.thread_id].title, matcher.markers))
        if row.kind == THREAD else
        Hit(thread=threads[row.thread_id], post=posts[row.item_id], title=escape(threads[row.thread_id].title),
            excerpt=marked(excerpts.get(row.item_id) or "", matcher.markers))
        for row in rows
    ]


def _candidates(matcher, wanted: Wanted, viewer, ranked: bool, limit: int):
    """Up to `limit` matching posts, and titles, that `viewer` may see; ranked: the newest, with what
    orders them (unranked, to count, any will do)."""
    return (_post_hits(matcher.posts(), wanted, viewer, ranked).limit(limit),
            _thread_hits(matcher.threads(), wanted, viewer, ranked).limit(limit))


def _post_hits(matching, wanted: Wanted, viewer, ranked: bool):
    columns = (literal_column(str(POST)).label("kind"), Post.id.label("item_id"), Post.thread_id.label("thread_id"),
               matching.rank.label("rank"), Post.created_at.label("created_at")) if ranked else (Post.id,)
    query = (select(*columns).select_from(matching.source).join(Thread, Thread.id == Post.thread_id)
             .where(matching.matches, Post.removal.is_(None), readable_by(viewer)))
    if wanted.category is not None:
        query = query.where(Thread.category_id == wanted.category.id)
    if wanted.author is not None:
        query = query.where(Post.author_id == wanted.author.id)
    return query.order_by(matching.newest_first) if ranked else query


def _thread_hits(matching, wanted: Wanted, viewer, ranked: bool):
    columns = (literal_column(str(THREAD)).label("kind"), Thread.id.label("item_id"), Thread.id.label("thread_id"),
               (matching.rank * TITLE_WEIGHT).label("rank"), Thread.created_at.label("created_at")) \
        if ranked else (Thread.id,)
    query = select(*columns).select_from(matching.source).where(matching.matches, readable_by(viewer))
    if wanted.category is not None:
        query = query.where(Thread.category_id == wanted.category.id)
    if wanted.author is not None:
        query = query.where(Thread.author_id == wanted.author.id)
    return query.order_by(matching.newest_first) if ranked else query


def marked(text: str, markers: Markers) -> Markup:
    """Escape all of `text`, then turn the match markers into <mark> elements (kept balanced)."""
    html, inside = [], False
    split = re.compile(f"({re.escape(markers.start)}|{re.escape(markers.stop)})")
    for piece in split.split(str(escape(text))):
        if piece in (markers.start, markers.stop):
            if (piece == markers.start) != inside:
                html.append("</mark>" if inside else "<mark>")
                inside = not inside
        else:
            html.append(piece)
    if inside:
        html.append("</mark>")
    return Markup("".join(html))
