"""Looking up what a post body refers to, so the renderer can stay free of the database."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..limits import max_mentions
from ..models import Post, User
from ..models.base import utcnow
from .render import RenderContext, Rendered, references, render_body


def render_post(body: str, links_allowed: bool) -> Rendered:
    """Render a body with what it quotes and mentions looked up (two queries at most)."""
    return render_body(body, context_for(body, links_allowed))


def context_for(body: str, links_allowed: bool) -> RenderContext:
    post_ids, usernames = references(body)
    # New members (whose links are hidden) may also mention fewer members.
    context = RenderContext(links_allowed=links_allowed, max_mentions=max_mentions(established=links_allowed))
    if post_ids:
        quoted = db.session.scalars(
            select(Post).where(Post.id.in_(post_ids)).options(joinedload(Post.author))
        )
        for post in quoted:
            context.quote_names[post.id] = post.author.public_name
            if post.is_removed:
                context.removed_quotes[post.id] = post.placeholder
    if usernames:
        rows = db.session.execute(select(User.username, User.id).where(User.username.in_(usernames),
                                                                       User.deleted_at.is_(None)))
        context.members = {username: user_id for username, user_id in rows}
    return context


def links_allowed_for(author: User) -> bool:
    """Whether the member is established enough for their links to be published."""
    if author.is_staff:
        return True
    config = current_app.config
    old_enough = author.created_at <= utcnow() - timedelta(days=config["NEW_MEMBER_MIN_DAYS"])
    if not old_enough:
        return False
    posts = db.session.scalar(select(func.count(Post.id)).where(Post.author_id == author.id))
    return posts >= config["NEW_MEMBER_MIN_POSTS"]
