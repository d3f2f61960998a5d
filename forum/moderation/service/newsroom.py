"""Newsroom moderation of the comments under publishers' articles (forum/embed/): each article's
settings, which staff change from its thread, and editors' picks. Every change is one line of the
moderation log, and a public change (guests' cached pages change with it)."""

from dataclasses import dataclass

from sqlalchemy import func, select

from ...database import write_transaction
from ...extensions import db
from ...models import Article, HeldPost, Post, User
from ...models.base import utcnow
from ...policy import check_may_write
from ...refusals import Conflict, FieldError
from .log import log_action

CLOSE_AFTER_MAX_DAYS = 3650


@dataclass(frozen=True)
class ArticleSettings:
    """What the staff form asks for. close_after_days None: the site's EMBED_CLOSE_AFTER_DAYS."""

    closed: bool
    close_after_days: int | None
    premoderated: bool
    members_only: bool

    @classmethod
    def from_form(cls, form) -> "ArticleSettings":
        """From the form's fields; FieldError("close_after_days") for anything but a number of days or nothing."""
        raw = (form.get("close_after_days") or "").strip()
        days = None
        if raw:
            if not raw.isdigit() or int(raw) > CLOSE_AFTER_MAX_DAYS:
                raise FieldError("close_after_days", f"Give a number of days from 0 (never) to {CLOSE_AFTER_MAX_DAYS}, "
                                                     "or leave it empty for the site's setting.")
            days = int(raw)
        return cls(closed=form.get("comments") == "closed", close_after_days=days,
                   premoderated=form.get("premoderated") == "1", members_only=form.get("members_only") == "1")


# (attribute, log action when switched on, when switched off)
_SWITCHES = (("closed", "article:closed", "article:opened"),
             ("premoderated", "article:premoderated", "article:published"),
             ("members_only", "article:members_only", "article:public"))


def change_settings(actor: User, article: Article, wanted: ArticleSettings) -> Article:
    """Set the article's settings as `wanted`, one log line per setting changed; Conflict if none would."""
    with write_transaction() as session:
        check_may_write(session, actor)
        current = session.get(Article, article.id, with_for_update=True)
        changed = False
        for attribute, on, off in _SWITCHES:
            value = getattr(wanted, attribute)
            if getattr(current, attribute) != value:
                setattr(current, attribute, value)
                log_action(session, actor, on if value else off, "article", current.id, details=current.url)
                changed = True
        if current.close_after_days != wanted.close_after_days:
            current.close_after_days = wanted.close_after_days
            days = wanted.close_after_days
            log_action(session, actor, "article:close_after", "article", current.id,
                       public_reason="the site's setting" if days is None else "never" if days == 0 else f"{days} days",
                       details=current.url)
            changed = True
        if not changed:
            raise Conflict("Nothing changed: the article's settings are already so.")
    return current


def feature(actor: User, post: Post) -> Post:
    """Make the post an editors' pick: it shows first under the article, labelled."""
    return _pick(actor, post, True)


def unfeature(actor: User, post: Post) -> Post:
    return _pick(actor, post, False)


def _pick(actor: User, post: Post, featured: bool) -> Post:
    with write_transaction() as session:
        check_may_write(session, actor)
        current = session.get(Post, post.id, with_for_update=True)
        if current.removal is not None:
            raise Conflict("This post is removed: it cannot be an editors' pick.")
        if (current.featured_at is not None) == featured:
            raise Conflict("This post is already an editors' pick." if featured else "This post is not an editors' pick.")
        current.featured_at = utcnow() if featured else None
        log_action(session, actor, "feature_post" if featured else "unfeature_post", "post", current.id)
    return current


@dataclass(frozen=True)
class Waiting:
    """An article with posts waiting in the review queue, and how many."""

    article: Article
    count: int


def articles_waiting() -> list[Waiting]:
    """The articles whose threads have held posts no moderator has decided on, the most waiting first."""
    rows = db.session.execute(
        select(Article, func.count(HeldPost.id))
        .join(HeldPost, HeldPost.thread_id == Article.thread_id)
        .where(HeldPost.decided_at.is_(None))
        .group_by(Article.id).order_by(func.count(HeldPost.id).desc(), Article.id))
    return [Waiting(article, count) for article, count in rows]
