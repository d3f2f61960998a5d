"""An article's latest comments as a piece of HTML the publisher's server puts in the article itself
(README, "Comments in the article's own HTML"): read by readers without JavaScript and by search
engines, and turned into the live frame by the snippet when JavaScript runs.

What it shows is what a guest sees, whoever asks: it is one answer for everyone, kept by the publisher's
server and any cache between. Its ETag is the site's pages_version (forum.database: every change a guest
could see writes a new one, the page cache's own test) with what the request chose, so an answer is
current until anything changes: a reply, an edit, a removal, a member's new name, a setting."""

import re
from hashlib import sha256

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Post, SiteState, Thread

COMMENTS = 10  # shown unless ?limit= says otherwise
MAX_COMMENTS = 50
FORMAT = "1"  # the fragment's markup: a new one gives every answer a new ETag
# A tag in post HTML as the sanitiser writes it (forum/posts/service/render.py): a "<" in text is always
# written "&lt;", and attribute values are double-quoted with their quotes escaped, so each match is a
# tag, and each href="/ or src="/ in it is a whole attribute.
TAG = re.compile(r"<[a-z][a-z0-9]*\s[^>]*>")
SITE_PATH = re.compile(r'(\s(?:href|src))="/(?!/)')


def site_version() -> str | None:
    """The site's pages_version now (None before the first change)."""
    return db.session.scalar(select(SiteState.pages_version).where(SiteState.id == 1))


def tag(version: str | None, *chosen) -> str:
    """The fragment's ETag: the site's version and what the request chose (address, number, style)."""
    return sha256("\n".join((FORMAT, str(version), *map(str, chosen))).encode()).hexdigest()[:24]


def latest_comments(thread: Thread, limit: int) -> list[Post]:
    """The thread's latest `limit` comments still shown (the opening post, which links to the article,
    and removed posts left out), oldest first, with their authors and the posts they answer."""
    opening = select(func.min(Post.id)).where(Post.thread_id == thread.id).scalar_subquery()
    newest = db.session.scalars(
        select(Post).where(Post.thread_id == thread.id, Post.removal.is_(None), Post.id != opening)
        .options(joinedload(Post.author), joinedload(Post.parent)).order_by(Post.id.desc()).limit(limit))
    return list(reversed(newest.all()))


def absolute_links(html: str, base: str) -> str:
    """Post HTML with the forum's own paths (/p/12, /u/lou, an uploaded picture) made whole addresses at
    `base`: on the publisher's page a path would lead into the publisher's site."""
    def whole(attribute):
        return f'{attribute.group(1)}="{base}/'
    return TAG.sub(lambda match: SITE_PATH.sub(whole, match.group(0)), html)
