"""How each database matches, ranks and highlights: FTS5 on SQLite, a tsvector on PostgreSQL.

Whatever was typed is searched literally: no operator, quote or symbol in it means anything.
Ranks are "lower is better" on both (bm25 is negative; ts_rank is negated).
"""

import secrets
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import ColumnElement, Float, FromClause, bindparam, column, func, literal_column, select, table

from ...extensions import db
from ...models import Post, Thread
from .index import LANGUAGE, ZERO_WIDTH_SPACE

EXCERPT_WORDS = 32


@dataclass(frozen=True)
class Markers:
    """Where the database marks the start and stop of a match in an excerpt: private-use characters
    around a fresh random nonce, so no text a member wrote can pass for one. They survive escaping
    and only then become <mark> (service.marked): highlighting never trusts the stored text."""

    start: str
    stop: str

    @classmethod
    def fresh(cls) -> "Markers":
        nonce = secrets.token_hex(8)
        return cls(f"\ue000{nonce}\ue001", f"\ue001{nonce}\ue000")


class Matching(NamedTuple):
    """What a matcher gives the search for posts or for thread titles."""

    source: FromClause  # the FROM clause: the table, joined to its index where that is a table
    matches: ColumnElement  # the condition that a row matches
    rank: ColumnElement  # the row's relevance: lower is better
    newest_first: ColumnElement  # an ORDER BY the index answers cheaply


def fts5_query(text: str) -> str | None:
    """Each word of `text` as an FTS5 string (inner quotes doubled), all required; None if there is
    no letter or digit to look for. `NEAR`, `*`, `^`, `:`, `-` and friends are only text inside strings."""
    words = [word for word in text.split() if any(character.isalnum() for character in word)]
    return " ".join('"' + word.replace('"', '""') + '"' for word in words) or None


class Fts5:
    """SQLite: the FTS5 tables `posts_search` and `threads_search` (see index.py)."""

    posts_search = table("posts_search", column("rowid"))
    threads_search = table("threads_search", column("rowid"))

    def __init__(self, text: str):
        self.query = fts5_query(text)
        self.markers = Markers.fresh()

    @property
    def searchable(self) -> bool:
        return self.query is not None

    def _matches(self, name: str):
        return literal_column(name).op("MATCH")(bindparam(f"{name}_query", self.query))

    def posts(self) -> Matching:
        # Newest first by the index's own rowid: FTS5 reads its matches in that order, no sorting.
        source = self.posts_search.join(Post, Post.id == self.posts_search.c.rowid)
        return Matching(source, self._matches("posts_search"), func.bm25(literal_column("posts_search")),
                        self.posts_search.c.rowid.desc())

    def threads(self) -> Matching:
        source = self.threads_search.join(Thread, Thread.id == self.threads_search.c.rowid)
        return Matching(source, self._matches("threads_search"), func.bm25(literal_column("threads_search")),
                        self.threads_search.c.rowid.desc())

    def excerpts(self, post_ids: list[int]) -> dict[int, str]:
        """The best passage of each post, matches marked; only for the posts shown."""
        snippet = func.snippet(literal_column("posts_search"), 0, self.markers.start, self.markers.stop, "…",
                               EXCERPT_WORDS)
        return self._pick(self.posts_search, "posts_search", snippet, post_ids)

    def titles(self, thread_ids: list[int]) -> dict[int, str]:
        """Each title with its matches marked."""
        highlight = func.highlight(literal_column("threads_search"), 0, self.markers.start, self.markers.stop)
        return self._pick(self.threads_search, "threads_search", highlight, thread_ids)

    def _pick(self, source, name: str, marked, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        query = select(source.c.rowid, marked).where(self._matches(name), source.c.rowid.in_(ids))
        return dict(db.session.execute(query).all())


class TextSearch:
    """PostgreSQL: the generated `search_vector` columns and their GIN indexes (see index.py)."""

    EXCERPT = f"MaxWords={EXCERPT_WORDS}, MinWords=12"

    def __init__(self, text: str):
        self.text = text
        self.markers = Markers.fresh()
        self.selectors = f'StartSel="{self.markers.start}", StopSel="{self.markers.stop}"'
        self.query = func.plainto_tsquery(literal_column(f"'{LANGUAGE}'::regconfig"), bindparam("search_text", text))

    @property
    def searchable(self) -> bool:
        return fts5_query(self.text) is not None  # the same rule as on SQLite: a letter or digit

    def _rank(self, vector):
        return -func.ts_rank(vector, self.query, type_=Float)

    def posts(self) -> Matching:
        vector = literal_column("posts.search_vector")
        return Matching(Post.__table__, vector.bool_op("@@")(self.query), self._rank(vector), Post.id.desc())

    def threads(self) -> Matching:
        vector = literal_column("threads.search_vector")
        return Matching(Thread.__table__, vector.bool_op("@@")(self.query), self._rank(vector), Thread.id.desc())

    def excerpts(self, post_ids: list[int]) -> dict[int, str]:
        return self._pick(Post.id, Post.search_text, f"{self.selectors}, {self.EXCERPT}", post_ids)

    def titles(self, thread_ids: list[int]) -> dict[int, str]:
        return self._pick(Thread.id, Thread.title, f"{self.selectors}, HighlightAll=true", thread_ids)

    def _pick(self, key, text, options: str, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        untagged = func.replace(text, "<", "<" + ZERO_WIDTH_SPACE)  # as indexed: see index.UNTAGGED
        headline = func.ts_headline(literal_column(f"'{LANGUAGE}'::regconfig"), untagged, self.query, options)
        shown = func.replace(headline, ZERO_WIDTH_SPACE, "")
        return dict(db.session.execute(select(key, shown).where(key.in_(ids))).all())


def matcher_for(text: str):
    """The matcher for the database in use."""
    return TextSearch(text) if db.engine.dialect.name == "postgresql" else Fts5(text)
