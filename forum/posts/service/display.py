"""How posts are shown to a reader: names (as that reader may see them, told apart), reply links,
and what the reader chose: the thread's watch level, and members whose posts and quotes collapse.
Also where a post is: the address of its place on its thread's pages (post_url)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache

from flask import current_app, url_for
from markupsafe import Markup
from sqlalchemy import Integer, and_, bindparam, cast, func, null, select, union_all
from sqlalchemy.orm import aliased

from ...extensions import db
from ...models import Ignore, Post, PostQuote, Sanction, Thread, ThreadSubscription, User
from ...models.preferences import ignorable
from ...models.user import name_seen
from ...pagination import page_of_position
from ...policy import write_blocker
from ...settings import Reaction
from .collapse import collapse_quotes
from .reactions import Tallies, offered, tallies
from . import position_in_thread


@dataclass
class Conversation:
    """Everything a post partial needs beyond the post: one per page, built with a fixed few queries."""

    names: dict[int, str] = field(default_factory=dict)
    # Members whose name, as shown, another member on the page also shows: their username follows.
    ambiguous: set[int] = field(default_factory=set)
    usernames: dict[int, str] = field(default_factory=dict)
    replies: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    reactions: Tallies = field(default_factory=Tallies)  # how many of each reaction, and the reader's own
    offered: tuple[Reaction, ...] = ()  # the reactions a member may give: Like, then the site's others
    # What stops the reader writing in this thread (policy.write_blocker), asked once for the page:
    # a silence, suspension or ban (read_only: no control on any post), or a ban from this thread.
    blocked: Sanction | None = None
    ignored: set[int] = field(default_factory=set)  # the members the reader ignores
    # Post id -> the posts it quotes (at any depth) that were written by members the reader ignores.
    ignored_quotes: dict[int, set[int]] = field(default_factory=dict)
    watch_level: str = "normal"  # the reader's choice for this thread: normal, watching or muted
    numbers: dict[int, int] = field(default_factory=dict)  # post id -> its place in the thread, from 1

    @property
    def read_only(self) -> bool:
        return self.blocked is not None and self.blocked.kind != "thread_ban"

    def tally(self, post: Post) -> list[tuple[Reaction, int]]:
        """(reaction, how many gave it) for the post, Like first, then in the site's order."""
        return self.reactions.counts.get(post.id, [])

    def my_reaction(self, post: Post) -> str | None:
        """The reader's reaction to the post ("like", an emoji), or None."""
        return self.reactions.mine.get(post.id)

    def picked(self, post: Post) -> Reaction | None:
        """The reader's reaction to the post if it is one of the picker's (not Like), offered still."""
        mine = self.my_reaction(post)
        return next((reaction for reaction in self.offered[1:] if reaction.emoji == mine), None)

    def name(self, user_id: int) -> str:
        return self.names.get(user_id, "a former member")

    def suffix(self, user_id: int) -> str | None:
        """The username that tells two same-named members apart, or None when the name is unique."""
        return self.usernames.get(user_id) if user_id in self.ambiguous else None

    def number(self, post: Post) -> int | None:
        """The post's place in its thread, oldest first, counting removed posts (they keep their place)."""
        return self.numbers.get(post.id)

    def replies_to(self, post: Post) -> list[tuple[int, int]]:
        """(post id, author id) of the visible replies to `post`, oldest first."""
        return self.replies.get(post.id, [])

    def body(self, post: Post) -> Markup:
        """The post's stored HTML, with its quotes of members the reader ignores collapsed."""
        quoted = self.ignored_quotes.get(post.id)
        return collapse_quotes(post.body_html, quoted) if quoted else Markup(post.body_html)


@dataclass(frozen=True)
class ReaderChoices:
    """What a page read already of a member's choices (with the thread): their watch level, and whether
    they ignore anyone at all."""

    watch_level: str
    ignores_anyone: bool


def conversation_for(thread: Thread, posts: list[Post], viewer, numbers: dict[int, int] | None = None,
                     choices: ReaderChoices | None = None) -> Conversation:
    """Names of everyone these posts show (their authors, the authors they answer, and those who
    replied to them) as `viewer` may see them, told apart; replies to these posts; and (for members)
    the reactions to them and the viewer's own; what the viewer ignores and chose for the thread; and what
    stops them writing there. Each post's number in the thread is counted, unless the caller knows
    them (`numbers`: a page of the thread in order knows them from its offset); the viewer's choices
    are asked, unless the caller read them (`choices`: then only whom they ignore, if anyone).

    Only the members the page names are loaded, so a page of a thread with thousands of writers
    costs the same as a page of a short one."""
    viewer = getattr(viewer, "_get_current_object", lambda: viewer)()  # current_user: asked dozens of times
    conversation = Conversation(offered=offered(), blocked=write_blocker(viewer, thread))
    post_ids = [post.id for post in posts]
    shown = {post.author_id for post in posts} | {post.parent.author_id for post in posts if post.parent}
    if post_ids:
        replies, named = defaultdict(list), {}
        for row in db.session.execute(_people_query(), {"user_ids": list(shown), "post_ids": post_ids}):
            named[row.id] = row
            if row.reply_id is not None:
                replies[row.parent_id].append((row.reply_id, row.id))
        conversation.replies = {parent_id: sorted(answers) for parent_id, answers in replies.items()}
        conversation.numbers = numbers if numbers is not None else _numbers(thread, post_ids)
        conversation.reactions = tallies(viewer, posts)
        members = named.values()
        conversation.names = {member.id: name_seen(member, viewer) for member in members}
        # A deleted member's username would say who they were: they stay "deleted member".
        conversation.usernames = {member.id: member.username for member in members if member.deleted_at is None}
        counts = Counter(name.casefold() for name in conversation.names.values())
        conversation.ambiguous = {uid for uid, name in conversation.names.items() if counts[name.casefold()] > 1}
    if choices is not None and not choices.ignores_anyone:
        conversation.watch_level = choices.watch_level
    elif getattr(viewer, "is_authenticated", False):
        _add_reader_choices(conversation, thread, post_ids, viewer)
    return conversation


# The page's statements are built once, with bind parameters: building one costs more than SQLite
# takes to run it, and each page runs them all.

@cache
def _people_query():
    """In one statement, what a name is made of for the members a page names (user_ids), with no reply
    (reply_id NULL), and the visible replies to its posts (post_ids), each with its author's name:
    rows, not members, since a page only shows them (forum.models.user.name_seen)."""
    name = (User.id, User.username, User.display_name, User.name_style, User.deleted_at)
    named = select(*name, cast(null(), Integer).label("reply_id"), cast(null(), Integer).label("parent_id")).where(
        User.id.in_(bindparam("user_ids", expanding=True)))
    replying = (select(*name, Post.id, Post.parent_id).select_from(Post).join(User, User.id == Post.author_id)
                .where(Post.parent_id.in_(bindparam("post_ids", expanding=True)), Post.removal.is_(None)))
    return union_all(named, replying)


def _numbers(thread: Thread, post_ids: list[int]) -> dict[int, int]:
    """Each post's place in the thread (#12 in its header), in one query however many posts: the
    thread's post ids up to the last one asked for, numbered from the index alone."""
    rows = db.session.execute(_numbers_query(), {"thread_id": thread.id, "last_id": max(post_ids),
                                                 "post_ids": post_ids})
    return {key: value for key, value in rows}


@cache
def _numbers_query():
    numbered = (select(Post.id, func.row_number().over(order_by=Post.id).label("number"))
                .where(Post.thread_id == bindparam("thread_id"), Post.id <= bindparam("last_id")).subquery())
    return (select(numbered.c.id, numbered.c.number)
            .where(numbered.c.id.in_(bindparam("post_ids", expanding=True))))


def _add_reader_choices(conversation: Conversation, thread: Thread, post_ids: list[int], viewer):
    """The reader's watch level for the thread, whom they ignore, and which quotes on these posts
    are of those members, in one query: one row per (ignored member, quote of them), at least one.

    Ignores of members who are now staff are passed over: staff are always heard.
    """
    rows = db.session.execute(_reader_choices_query(),
                              {"viewer_id": viewer.id, "thread_id": thread.id, "post_ids": post_ids})
    ignored_quotes = defaultdict(set)
    for level, ignored_id, post_id, quoted_post_id in rows:
        conversation.watch_level = level or "normal"
        if ignored_id is not None:
            conversation.ignored.add(ignored_id)
        if post_id is not None:
            ignored_quotes[post_id].add(quoted_post_id)
    conversation.ignored_quotes = dict(ignored_quotes)


@cache
def _reader_choices_query():
    """Built once: an alias and a subquery of the users table cost about 5 ms to set up on every page."""
    ignored_user = aliased(User)
    quotes = (select(PostQuote.post_id, PostQuote.quoted_post_id, Post.author_id)
              .join(Post, Post.id == PostQuote.quoted_post_id)
              .where(PostQuote.post_id.in_(bindparam("post_ids", expanding=True))).subquery())
    return (
        select(ThreadSubscription.level, ignored_user.id, quotes.c.post_id, quotes.c.quoted_post_id)
        .select_from(User)
        .outerjoin(ThreadSubscription, and_(ThreadSubscription.user_id == User.id,
                                            ThreadSubscription.thread_id == bindparam("thread_id")))
        .outerjoin(Ignore, Ignore.user_id == User.id)
        .outerjoin(ignored_user, and_(ignored_user.id == Ignore.ignored_id, ignorable(ignored_user)))
        .outerjoin(quotes, quotes.c.author_id == ignored_user.id)
        .where(User.id == bindparam("viewer_id"))
    )


def post_url(post) -> str:
    """The address of the page a post is on, anchored at the post."""
    page = page_of_position(position_in_thread(post), current_app.config["POSTS_PER_PAGE"])
    return url_for("threads.show", thread_id=post.thread.id, slug=post.thread.slug,
                   page=page if page > 1 else None, _anchor=f"p{post.id}")
