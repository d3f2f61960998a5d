"""Reactions: Like and the site's other reactions (forum.settings REACTIONS), one per member and post.

Choosing another reaction replaces the member's; choosing the same again takes it back. The post keeps
the count of all its reactions (`Post.reaction_count`, which "top" order reads) and how many gave each
kind (`Post.reaction_summary`, "like:3 👍:1"), both changed with the reactions in one transaction under
the post's row lock: a page shows the counts from the posts it loads, and asks only a member which are
theirs. The post's author hears of them through one notification per post ("Ana and 3 others reacted
to your post"), made anew by each new reaction.
"""

from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache

from markupsafe import Markup, escape

from sqlalchemy import bindparam, delete, exists, select, update

from ...database import write_transaction
from ...extensions import db
from ...models import Notification, Post, PostReaction, ThreadSubscription, User
from ...models.base import utcnow
from ...models.conversation import LIKE
from ...policy import check_may_write
from ...refusals import Forbidden, Malformed
from ...settings import Reaction, reactions
from . import _unreachable

LIKE_REACTION = Reaction(LIKE, "Like")
NAMES_SHOWN = 50  # names listed under each reaction; the rest are counted


def offered() -> tuple[Reaction, ...]:
    """The reactions a member may give now: Like, then the site's others in their order."""
    return (LIKE_REACTION, *reactions())


class _Kinds:
    """The reactions offered now, by kind: each one's name, and its place (Like first, then the site's
    order). One the site no longer offers is named by its emoji, and comes after them."""

    def __init__(self):
        self.offered = offered()
        self.places = {reaction.emoji: place for place, reaction in enumerate(self.offered)}

    def describe(self, kind: str) -> Reaction:
        return self.offered[self.places[kind]] if kind in self.places else Reaction(kind, kind)

    def place(self, kind: str) -> tuple[int, str]:
        return self.places.get(kind, len(self.offered)), kind


def react(member: User, post: Post, kind: str) -> str | None:
    """Give the post this reaction, replacing the member's other one, or take it back if it is theirs
    already. Returns the member's reaction now (None: they have none)."""
    if post.author_id == member.id:
        raise Forbidden("You cannot react to your own post.")
    if post.is_removed:
        raise Forbidden("This post was removed.")
    with write_transaction() as session:
        check_may_write(session, member)
        # One writer per post at a time: the count and the author's one notification stay in step.
        current = session.get(Post, post.id, with_for_update=True, populate_existing=True)
        if current.is_removed:
            raise Forbidden("This post was removed.")
        existing = session.get(PostReaction, (post.id, member.id))
        counts = summary_of(current.reaction_summary)
        if existing is not None and existing.kind == kind:  # a reaction no longer offered may still be taken back
            session.delete(existing)
            _count(current, counts, kind, -1)
            session.flush()
            regroup_notifications(session, member.id, [post.id])
            return None
        if kind not in {reaction.emoji for reaction in offered()}:
            raise Malformed("There is no such reaction. Reload the page to see the ones there are.")
        if existing is not None:
            _count(current, counts, existing.kind, -1)
            _count(current, counts, kind, +1)
            existing.kind, existing.created_at = kind, utcnow()
            return kind
        session.add(PostReaction(post_id=post.id, user_id=member.id, kind=kind))
        _count(current, counts, kind, +1)
        _notify_author(session, current, member.id)
    return kind


def summary_of(summary: str) -> dict[str, int]:
    """How many gave each kind of reaction, from a post's reaction_summary ("like:3 👍:1"). Kinds hold
    no space or colon (an emoji, or "like"), so the text splits back exactly."""
    counts = {}
    for item in summary.split():
        kind, _, count = item.rpartition(":")
        counts[kind] = int(count)
    return counts


def summary_text(counts: dict[str, int]) -> str:
    """A post's reaction_summary for these counts (kinds no one gives any more are left out)."""
    return " ".join(f"{kind}:{count}" for kind, count in counts.items() if count > 0)


def _count(post: Post, counts: dict[str, int], kind: str, change: int) -> None:
    """One reaction of this kind more (or fewer) on the post, whose row the caller holds locked."""
    counts[kind] = counts.get(kind, 0) + change
    post.reaction_summary = summary_text(counts)
    post.reaction_count = sum(count for count in counts.values() if count > 0)


def _notify_author(session, post: Post, actor_id: int) -> None:
    """The author's one notification of reactions to this post, made anew (unread, at the top of their
    list) with the newest reactor, unless they muted the thread, ignore the reactor, or left.

    Reactions are not mailed: a mail per reaction is the noise grouping spares members."""
    author_id = post.author_id
    muted = session.scalar(select(ThreadSubscription.level).where(
        ThreadSubscription.user_id == author_id, ThreadSubscription.thread_id == post.thread_id)) == "muted"
    if muted or _unreachable(session, actor_id, [author_id]):
        return
    now = utcnow()
    session.execute(delete(Notification).where(Notification.user_id == author_id, Notification.post_id == post.id,
                                               Notification.kind == "reaction"))
    session.add(Notification(user_id=author_id, kind="reaction", post_id=post.id, actor_id=actor_id,
                             created_at=now, emailed_at=now))


def regroup_notifications(session, member_id: int, post_ids=None) -> None:
    """After the member's reactions (to these posts, or to all) were taken back: the notifications that
    named them as the newest reactor name the newest one left instead, or go when none is left."""
    named = (Notification.kind == "reaction") & (Notification.actor_id == member_id)
    if post_ids is not None:
        named &= Notification.post_id.in_(post_ids)
    left = select(PostReaction.user_id).where(PostReaction.post_id == Notification.post_id)
    unsynced = {"synchronize_session": False}
    session.execute(delete(Notification).where(named, ~exists(left)), execution_options=unsynced)
    newest = left.order_by(PostReaction.created_at.desc(), PostReaction.user_id.desc()).limit(1).scalar_subquery()
    session.execute(update(Notification).where(named).values(actor_id=newest), execution_options=unsynced)


def take_back_all(session, member_id: int) -> None:
    """Every reaction of this member goes (their account is deleted), inside the caller's transaction:
    the counts go down, and the notifications that named them name another reactor."""
    given = dict(session.execute(select(PostReaction.post_id, PostReaction.kind)
                                 .where(PostReaction.user_id == member_id)).all())
    session.execute(delete(PostReaction).where(PostReaction.user_id == member_id))
    post_ids = sorted(given)
    for start in range(0, len(post_ids), 500):
        # The posts' rows locked in one order, as a reaction locks its post: no reaction given meanwhile is lost.
        rows = session.execute(select(Post.id, Post.reaction_summary).where(Post.id.in_(post_ids[start:start + 500]))
                               .order_by(Post.id).with_for_update()).all()
        changes = []
        for post_id, summary in rows:
            counts = summary_of(summary)
            counts[given[post_id]] = counts.get(given[post_id], 0) - 1
            changes.append({"id": post_id, "reaction_summary": summary_text(counts),
                            "reaction_count": sum(count for count in counts.values() if count > 0)})
        if changes:
            session.execute(update(Post), changes)
    regroup_notifications(session, member_id)


@dataclass
class Tallies:
    """The reactions on a page's posts: how many of each kind (Like first, then the site's order), and
    the reader's own."""

    counts: dict[int, list[tuple[Reaction, int]]] = field(default_factory=dict)
    mine: dict[int, str] = field(default_factory=dict)

    def choices(self, post_id: int, offered: tuple[Reaction, ...]) -> Markup:
        """The picker's buttons for one post (its reactions besides Like), the reader's own pressed: from
        markup escaped once per set of reactions, since a page has a picker on every post."""
        mine = self.mine.get(post_id)
        return Markup("".join(button.format(post_id=post_id, pressed="true" if emoji == mine else "false")
                              for emoji, button in _choice_buttons(offered)))


@lru_cache(maxsize=8)
def _choice_buttons(offered: tuple[Reaction, ...]) -> tuple[tuple[str, str], ...]:
    """(emoji, the button's markup with {post_id} and {pressed} left to fill) for each reaction but Like."""
    buttons = []
    for index, reaction in enumerate(offered[1:], start=1):
        emoji, label = (str(escape(text)).replace("{", "{{").replace("}", "}}") for text in (reaction.emoji, reaction.label))
        buttons.append((reaction.emoji, (
            f'\n              <button type="submit" name="reaction" value="{emoji}" class="reaction-choice"\n'
            f'                      id="react-{{post_id}}-{index}" title="{label}"\n'
            f'                      aria-pressed="{{pressed}}"><span aria-hidden="true">{emoji}</span>'
            f'<span class="visually-hidden">{label}</span></button>')))
    return tuple(buttons)


def tallies(viewer, posts: list[Post]) -> Tallies:
    """The reactions on these posts: the counts from each post's summary (no query), and for a member,
    their own, in one query however many posts (none when no post has any reactions)."""
    result = Tallies()
    reacted = [post for post in posts if post.reaction_count]
    if not reacted:
        return result
    kinds = _Kinds()
    for post in reacted:
        counts = summary_of(post.reaction_summary)
        result.counts[post.id] = sorted(((kinds.describe(kind), count) for kind, count in counts.items()),
                                        key=lambda item: kinds.place(item[0].emoji))
    if getattr(viewer, "is_authenticated", False):
        result.mine = mine_among(viewer, [post.id for post in reacted])
    return result


def mine_among(member, post_ids) -> dict[int, str]:
    """The member's own reactions to these posts, by post id. A plain statement on the session's
    connection: through the session's ORM layer it cost twice as much (about 90 µs against 50)."""
    return dict(db.session.connection().execute(_mine_query(), {"user_id": member.id,
                                                                "post_ids": list(post_ids)}).all())


@cache
def _mine_query():
    """Built once, with bind parameters: building it cost about what running it does."""
    return select(PostReaction.post_id, PostReaction.kind).where(
        PostReaction.user_id == bindparam("user_id"), PostReaction.post_id.in_(bindparam("post_ids", expanding=True)))


@dataclass
class Reactors:
    """Who gave one reaction to a post: their names as the reader may see them, and how many more."""

    reaction: Reaction
    names: list[str]
    more: int = 0


def who_reacted(post: Post, viewer) -> list[Reactors]:
    """Who gave the post each reaction, earliest first, NAMES_SHOWN names each, in one query. Two
    members shown under the same name are told apart by their usernames, as on the thread page."""
    rows = db.session.execute(select(PostReaction.kind, User).join(User, User.id == PostReaction.user_id)
                              .where(PostReaction.post_id == post.id)
                              .order_by(PostReaction.created_at, PostReaction.user_id)).all()
    kinds = _Kinds()
    names = {user.id: user.name_seen_by(viewer) for _, user in rows}
    shared = Counter(name.casefold() for name in names.values())
    groups: dict[str, Reactors] = {}
    for kind, user in rows:
        group = groups.setdefault(kind, Reactors(kinds.describe(kind), []))
        if len(group.names) == NAMES_SHOWN:
            group.more += 1
            continue
        name = names[user.id]
        group.names.append(f"{name} (@{user.username})" if shared[name.casefold()] > 1 else name)
    return sorted(groups.values(), key=lambda group: kinds.place(group.reaction.emoji))
