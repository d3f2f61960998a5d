"""How posts are shown to a reader: names (as that reader may see them, told apart) and reply links."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..models import Post, Thread, User
from .likes import liked_by


@dataclass
class Conversation:
    """Everything a post partial needs beyond the post: one per page, built with two queries."""

    names: dict[int, str] = field(default_factory=dict)
    # Members whose name, as shown, another member of the thread also shows: their username follows.
    ambiguous: set[int] = field(default_factory=set)
    usernames: dict[int, str] = field(default_factory=dict)
    replies: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    liked: set[int] = field(default_factory=set)  # the posts the reader likes

    def name(self, user_id: int) -> str:
        return self.names.get(user_id, "a former member")

    def suffix(self, user_id: int) -> str | None:
        """The username that tells two same-named members apart, or None when the name is unique."""
        return self.usernames.get(user_id) if user_id in self.ambiguous else None

    def replies_to(self, post: Post) -> list[tuple[int, int]]:
        """(post id, author id) of the visible replies to `post`, oldest first."""
        return self.replies.get(post.id, [])


def conversation_for(thread: Thread, posts: list[Post], viewer) -> Conversation:
    """Names of everyone who wrote in the thread as `viewer` may see them, and replies to these posts."""
    authors = db.session.scalars(
        select(User).where(User.id.in_(select(Post.author_id).where(Post.thread_id == thread.id)))
    ).all()
    conversation = Conversation(
        names={user.id: user.name_seen_by(viewer) for user in authors},
        usernames={user.id: user.username for user in authors},
    )
    counts = Counter(name.casefold() for name in conversation.names.values())
    conversation.ambiguous = {uid for uid, name in conversation.names.items() if counts[name.casefold()] > 1}
    post_ids = [post.id for post in posts]
    if post_ids:
        rows = db.session.execute(
            select(Post.id, Post.author_id, Post.parent_id)
            .where(Post.parent_id.in_(post_ids), Post.removal.is_(None))
            .order_by(Post.id)
        )
        replies = defaultdict(list)
        for reply_id, author_id, parent_id in rows:
            replies[parent_id].append((reply_id, author_id))
        conversation.replies = dict(replies)
        conversation.liked = liked_by(viewer, post_ids)
    return conversation
