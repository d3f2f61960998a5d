"""Looking up what a post body refers to, so the renderer can stay free of the database."""

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Post, User
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


def max_mentions(established: bool) -> int:
    """How many members one post may mention (and notify)."""
    config = current_app.config
    return config["MAX_MENTIONS"] if established else min(config["MAX_MENTIONS"], config["NEW_MEMBER_MAX_MENTIONS"])
