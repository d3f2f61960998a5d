"""Writes the demo content (see content.py) through the same services the app uses.

Then it backdates it, so that the forum reads as if it had been alive for years, and makes the
changes that come later in a conversation: an edit, a deleted post.
"""

import re
import secrets
from collections import Counter
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import insert, select, update

from ..auth.service import accounts
from ..database import write_transaction
from ..extensions import db
from ..models import Category, Post, PostReaction, Thread, User
from ..models.base import utcnow
from ..policy import links_allowed_for
from ..posts import service as posts
from ..posts.service import reactions, uploads
from ..posts.service.images import HIDDEN_IMAGE
from ..posts.service.quoting import quote_markdown
from ..posts.service.render import HIDDEN_LINK
from ..threads import service as threads
from . import content, pictures

CONTENT = content.load()

# Relative gaps between consecutive posts of a thread, cycled; a thread's replies are spread
# over its `span_hours` in this rhythm, so some come minutes apart and some after a long pause.
REPLY_RHYTHM = (3, 1, 5, 2, 8, 1, 4, 13, 2, 6, 1, 3)

THREAD_LINK = re.compile(r"\{thread:(\w+)\}")
PICTURE = re.compile(r"\{image:(\w+)\|([^}]*)\}")


def seed_demo() -> str:
    """Add the demo categories, members, threads and replies; return a one-line summary."""
    categories = _ensure_categories()
    members = {member.username: _ensure_member(member) for member in CONTENT.members}
    thread_ids: dict[str, int] = {}
    written: dict[str, Post] = {}
    reacted: list[tuple[Post, dict]] = []
    for spec in CONTENT.threads:
        thread_ids[spec.key] = _write_thread(spec, categories, members, thread_ids, written, reacted)
    post_count = _backdate(thread_ids, members)
    _publish_links(thread_ids, members)
    _revise(members, written)
    _give_reactions(reacted, members)
    _react(thread_ids, members)
    return (f"{len(categories)} categories, {len(members)} members, "
            f"{len(thread_ids)} threads, {post_count} posts")


def _ensure_categories() -> dict[str, Category]:
    """The demo categories by slug, creating those the forum does not have yet."""
    with write_transaction() as session:
        slugs = [category.slug for category in CONTENT.categories]
        found = {c.slug: c for c in session.scalars(select(Category).where(Category.slug.in_(slugs)))}
        for position, category in enumerate(CONTENT.categories, start=1):
            if category.slug not in found:
                found[category.slug] = Category(position=position, **category._asdict())
                session.add(found[category.slug])
    return found


def _ensure_member(member: content.Member) -> User:
    """The member with this demo username: the existing one, else a new one with a random password."""
    existing = db.session.scalar(select(User).where(User.username == member.username))
    if existing is not None:
        return existing
    email = f"{member.username.replace('_', '.')}@example.com"
    account = accounts.NewAccount(member.username, member.full_name, email, secrets.token_urlsafe(16),
                                  member.name_style)
    return accounts.register(account)


def _write_thread(spec: content.Thread, categories: dict, members: dict, thread_ids: dict, written: dict,
                  reacted: list) -> int:
    """Start one demo thread and add its replies, in order, noting keyed posts in `written` and those
    with reactions in `reacted`; return its id."""
    body = THREAD_LINK.sub(lambda link: f"/t/{thread_ids[link.group(1)]}", spec.body)
    author = members[spec.author]
    thread = threads.start_thread(author, categories[spec.category], spec.title, _with_pictures(body, author))
    written[spec.key] = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    if spec.reactions:
        reacted.append((written[spec.key], spec.reactions))
    for reply in spec.replies:
        answered = reply.to or (reply.quote and reply.quote.post)
        author = members[reply.author]
        post = posts.add_reply(thread, author, _with_pictures(_reply_body(reply, written), author),
                               parent_id=written[answered].id if answered else None)
        if reply.key:
            written[reply.key] = post
        if reply.reactions:
            reacted.append((post, reply.reactions))
    return thread.id


def _with_pictures(body: str, author: User) -> str:
    """The body with each {image:name|description} made the Markdown of that picture, drawn now and
    uploaded as its author (re-encoded, stored under its hash) through the composer's path."""
    def upload(match: re.Match) -> str:
        name, description = match.groups()
        upload = uploads.accept(author, pictures.PICTURES[name](), f"{name}.png")
        return uploads.reference(upload, description)
    return PICTURE.sub(upload, body)


def _reply_body(reply: content.Reply, written: dict[str, Post]) -> str:
    """The reply's Markdown: the quote, built from the quoted post as the Quote button does, then the text."""
    if reply.quote is None:
        return reply.body
    quoted = written[reply.quote.post]
    return quote_markdown(quoted, _excerpt(quoted.body, reply.quote)) + reply.body


def _excerpt(body: str, quote: content.Quote) -> str | None:
    """The quoted part of a body: the excerpt, its start through `through`, or None for all of it."""
    text = quote.text or quote.through
    if text is None:
        return None
    if text not in body:
        raise ValueError(f"the quoted post does not say {text!r}")
    return text if quote.text else body[:body.index(text) + len(text)]


def _backdate(thread_ids: dict[str, int], members: dict[str, User]) -> int:
    """Spread the demo threads, posts and members over the past years; return how many posts."""
    now = utcnow().replace(microsecond=0)
    specs = {spec.key: spec for spec in CONTENT.threads}
    first_posts: dict[int, datetime] = {}
    post_count = 0
    with write_transaction() as session:
        for key, thread_id in thread_ids.items():
            rows = session.execute(
                select(Post.id, Post.author_id).where(Post.thread_id == thread_id).order_by(Post.id)
            ).all()
            times = _post_times(now, specs[key], len(rows))
            post_count += len(rows)
            session.execute(update(Post), [{"id": row.id, "created_at": t} for row, t in zip(rows, times)])
            session.execute(
                update(Thread).where(Thread.id == thread_id).values(created_at=times[0], last_post_at=times[-1])
            )
            for row, time in zip(rows, times):
                first_posts[row.author_id] = min(time, first_posts.get(row.author_id, time))
        _backdate_members(session, members, first_posts)
    return post_count


def _post_times(now: datetime, spec: content.Thread, count: int) -> list[datetime]:
    """When each of a thread's `count` posts was written: strictly increasing, the last at the span's end."""
    start = (now - timedelta(days=spec.days_ago)).replace(microsecond=0)
    span_seconds = int(spec.span_hours * 3600)
    gaps = [REPLY_RHYTHM[i % len(REPLY_RHYTHM)] for i in range(count - 1)]
    total = sum(gaps)
    times, elapsed = [start], 0
    for gap in gaps:
        elapsed += gap
        times.append(start + timedelta(seconds=span_seconds * elapsed // total))
    return times


def _backdate_members(session, members: dict[str, User], first_posts: dict[int, datetime]):
    """Have each demo member join a few days to a few weeks before their first post (the newcomer, hours)."""
    for index, user in enumerate(members.values()):
        member = session.get(User, user.id)
        if member.id in first_posts:
            lead = timedelta(days=1 + (index * 7) % 30, hours=(index * 5) % 24)
            if member.username == CONTENT.newcomer:
                lead = timedelta(hours=3)
            member.created_at = min(member.created_at, first_posts[member.id] - lead)


def _publish_links(thread_ids: dict[str, int], members: dict[str, User]):
    """Show the links and pictures in the demo posts of members established by now (when written, all
    were new)."""
    established = [member.id for member in members.values() if links_allowed_for(member)]
    with write_transaction() as session:
        published = session.scalars(select(Post).where(
            Post.thread_id.in_(list(thread_ids.values())), Post.author_id.in_(established),
            Post.links_allowed.is_(False),
        )).all()
        for post in published:
            post.links_allowed = True
        hidden = [post for post in published if HIDDEN_LINK in post.body_html or HIDDEN_IMAGE in post.body_html]
    posts.rerender(hidden)


def _revise(members: dict[str, User], written: dict[str, Post]):
    """Make the demo's later changes, each by the post's author: edits, then deletions."""
    for spec in CONTENT.threads:
        for reply in spec.replies:
            if reply.edit:
                _edit(written[reply.key], members[reply.author], reply.edit)
            if reply.deleted:
                posts.delete_post(written[reply.key], members[reply.author])


def _give_reactions(reacted: list[tuple[Post, dict]], members: dict[str, User]):
    """The reactions the content gives, through the reactions service, as each member would press them
    (their authors hear of them). A kind the site does not offer now is passed over."""
    offered = {reaction.emoji for reaction in reactions.offered()}
    for post, given in reacted:
        for kind, usernames in given.items():
            if kind not in offered:
                continue
            for username in usernames:
                reactions.react(members[username], db.session.get(Post, post.id), kind)


def _react(thread_ids: dict[str, int], members: dict[str, User]):
    """Give the demo posts a few reactions each, some none, from members picked by the post's id (the
    same on every run): mostly likes, and each of the site's other reactions now and then. Written at
    once, as the bench data is (the service would take a transaction each); their authors are not notified."""
    kinds = [reaction.emoji for reaction in reactions.offered()]
    kinds = [kinds[0]] * 3 + kinds
    everyone = [member.id for member in members.values()]
    with write_transaction() as session:
        shown = session.execute(select(Post.id, Post.author_id).where(
            Post.thread_id.in_(list(thread_ids.values())), Post.removal.is_(None), Post.reaction_count == 0)).all()
        rows, counts = [], []
        for post_id, author_id in shown:
            fans = [member_id for n, member_id in enumerate(everyone)
                    if (post_id * 5 + n * 3) % 11 < post_id % 4 and member_id != author_id]
            rows += [{"post_id": post_id, "user_id": fan, "kind": kinds[(post_id + n) % len(kinds)]}
                     for n, fan in enumerate(fans)]
            counts.append({"id": post_id, "reaction_count": len(fans), "reaction_summary": reactions.summary_text(
                Counter(kinds[(post_id + n) % len(kinds)] for n in range(len(fans))))})
        if rows:
            session.execute(insert(PostReaction), rows)
            session.execute(update(Post), counts)


def _edit(post: Post, author: User, addition: str):
    """Add a paragraph to a post, as its author would a little after the edit grace period."""
    posts.edit_post(post, author, f"{post.body}\n\n{addition}", post.version)
    grace = timedelta(seconds=current_app.config["EDIT_GRACE_SECONDS"])
    with write_transaction() as session:
        edited = session.get(Post, post.id)
        if edited.edited_at is not None:  # dated soon after the grace period, not today
            edited.edited_at = min(edited.edited_at, edited.created_at + grace + timedelta(minutes=12))
