"""Looking up what a post body refers to, so the renderer can stay free of the database."""

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import Post, Upload, User
from ...trust import MEMBER, NEW, max_mentions_at
from .images import ImageInfo, hashes_in
from .render import RenderContext, Rendered, references, render_body


def render_post(body: str, links_allowed: bool) -> Rendered:
    """Render a body with what it quotes and mentions looked up (two queries at most)."""
    return render_body(body, context_for(body, links_allowed))


def render_posts(bodies: list[tuple[str, bool]]) -> list[Rendered]:
    """Render many (body, links_allowed) at once, with what they all refer to looked up together:
    two queries for the lot, not two per body (re-rendering every post that quotes a removed one)."""
    post_ids, usernames, images = set(), set(), set()
    for body, _ in bodies:
        ids, names = references(body)
        post_ids |= ids
        usernames |= names
        images.update(hashes_in(body))
    world = _looked_up(post_ids, usernames, images)
    return [render_body(body, replace(world, links_allowed=allowed, max_mentions=max_mentions(established=allowed)))
            for body, allowed in bodies]


def context_for(body: str, links_allowed: bool) -> RenderContext:
    context = _looked_up(*references(body), set(hashes_in(body)))
    # New members (whose links are hidden) may also mention fewer members.
    return replace(context, links_allowed=links_allowed, max_mentions=max_mentions(established=links_allowed))


def _looked_up(post_ids: set[int], usernames: set[str], images: set[str] = frozenset()) -> RenderContext:
    """What these posts show in a quote (author's name, or the placeholder), which of these members
    exist, and the size of these uploads (those of accounts not deleted). Read from the database as this transaction sees it, even over objects loaded before a bulk
    update (a cascade inside the transaction that removed the posts)."""
    context = RenderContext()
    if post_ids:
        quoted = db.session.scalars(
            select(Post).where(Post.id.in_(post_ids)).options(joinedload(Post.author))
            .execution_options(populate_existing=True)
        )
        for post in quoted:
            context.quote_names[post.id] = post.author.public_name
            if post.is_removed:
                context.removed_quotes[post.id] = post.placeholder
    if usernames:
        rows = db.session.execute(select(User.username, User.id).where(User.username.in_(usernames),
                                                                       User.deleted_at.is_(None)))
        context.members = {username: user_id for username, user_id in rows}
    if images:
        rows = db.session.execute(
            select(Upload.sha256, Upload.width, Upload.height, Upload.display_width, Upload.display_height,
                   Upload.alt).join(User, User.id == Upload.owner_id)
            .where(Upload.sha256.in_(images), User.deleted_at.is_(None)))
        context.images = {sha256: ImageInfo(*info) for sha256, *info in rows}
    return context


def max_mentions(established: bool) -> int:
    """How many members one post may mention (and notify)."""
    return max_mentions_at(MEMBER if established else NEW)
