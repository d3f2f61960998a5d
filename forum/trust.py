"""Trust levels: what a member may do grows with what they have shown, reached on its own or set by staff.

LEVELS below is the one table of what each level may do (the README copies it). A member's level is
worked out when it is asked for, from columns already on their row (when they joined, the level staff
set) and, only once they are old enough for the next level, one query that counts their posts, the posts
they have read and the flags their posts received. A new member, the common case on a hot page, costs no
query at all. Whose links are published (the question every composer asks) needs only "at least member",
so `reaches_member` counts only as far as that level's thresholds. Staff set a level by hand
(users.trust_level_set, logged in the modlog); staff themselves have the top level's abilities.

The thresholds are site settings (forum/settings.py, section "Trust levels").
"""

import functools
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, g, has_request_context
from sqlalchemy import bindparam, func, select

from .extensions import db
from .models import Flag, Post, ThreadRead, User
from .models.base import utcnow
from .settings import site_setting
from .unchanged import true_while_unchanged

NEW, MEMBER, REGULAR = 0, 1, 2


@dataclass(frozen=True)
class Level:
    """One rung of the ladder and what it may do. `mentions` and the rate limits name site settings."""

    number: int
    name: str
    links: bool  # links in posts published (else "link hidden — new member")
    images: bool  # images in posts, once posts have them
    mentions: str  # the setting that caps @mentions per post
    invites: bool  # may create invitation links
    flag_weight: int  # how many members' flags one flag counts as, towards FLAG_HIDE_THRESHOLD
    reply_limit: str  # the setting with the replies rate limit
    thread_limit: str  # the setting with the new threads rate limit
    conversation_limit: str  # the setting with the new private conversations rate limit


LEVELS: tuple[Level, ...] = (
    Level(NEW, "new", links=False, images=False, mentions="NEW_MEMBER_MAX_MENTIONS", invites=False, flag_weight=1,
          reply_limit="NEW_MEMBER_REPLY_RATE_LIMIT", thread_limit="NEW_MEMBER_THREAD_RATE_LIMIT",
          conversation_limit="NEW_MEMBER_CONVERSATION_RATE_LIMIT"),
    Level(MEMBER, "member", links=True, images=True, mentions="MAX_MENTIONS", invites=False, flag_weight=1,
          reply_limit="REPLY_RATE_LIMIT", thread_limit="THREAD_RATE_LIMIT",
          conversation_limit="CONVERSATION_RATE_LIMIT"),
    Level(REGULAR, "regular", links=True, images=True, mentions="MAX_MENTIONS", invites=True, flag_weight=2,
          reply_limit="REPLY_RATE_LIMIT", thread_limit="THREAD_RATE_LIMIT",
          conversation_limit="CONVERSATION_RATE_LIMIT"),
)
NAMES = {level.name: level.number for level in LEVELS}


@dataclass(frozen=True)
class Requirement:
    """What a level asks of a member: the settings holding the numbers."""

    days: str
    posts: str
    read: str
    max_flags: str | None = None


# How each level above "new" is reached (each also needs the one below).
REQUIREMENTS = {
    MEMBER: Requirement("NEW_MEMBER_MIN_DAYS", "NEW_MEMBER_MIN_POSTS", "TRUST_MEMBER_MIN_READ"),
    REGULAR: Requirement("TRUST_REGULAR_MIN_DAYS", "TRUST_REGULAR_MIN_POSTS", "TRUST_REGULAR_MIN_READ",
                         "TRUST_REGULAR_MAX_FLAGS"),
}


@dataclass(frozen=True)
class Record:
    """What a member has shown: the numbers the levels ask for."""

    days: int
    posts: int
    read: int
    flags: int


def record_of(user: User) -> Record:
    """The member's numbers now (one query)."""
    posts = select(func.count(Post.id)).where(Post.author_id == user.id).scalar_subquery()
    read = select(func.coalesce(func.sum(ThreadRead.read_count), 0)).where(
        ThreadRead.user_id == user.id).scalar_subquery()
    flags = (select(func.count(Flag.id)).join(Post, Post.id == Flag.post_id)
             .where(Post.author_id == user.id, Flag.user_id != user.id).scalar_subquery())
    row = db.session.execute(select(posts, read, flags)).one()
    return Record(days=max(0, (utcnow() - user.created_at).days), posts=row[0], read=int(row[1]), flags=row[2])


def _meets(record: Record, level: int) -> bool:
    need = REQUIREMENTS[level]
    if record.days < site_setting(need.days) or record.posts < site_setting(need.posts):
        return False
    if record.read < site_setting(need.read):
        return False
    return need.max_flags is None or record.flags <= site_setting(need.max_flags)


def earned_level(user: User) -> int:
    """The level the member has reached on their own (ignoring a level staff set)."""
    if utcnow() - user.created_at < timedelta(days=site_setting("NEW_MEMBER_MIN_DAYS")):
        return NEW  # too new for any query: most pages of a new member cost nothing here
    # Asked more than once a page (the composer's link policy, the rate limits): the record is counted
    # once a request, kept on `g` by member (a request's own post may tip it; the next request sees it).
    kept = g.setdefault("earned_levels", {}) if has_request_context() else {}
    if user.id not in kept:
        kept[user.id] = _earned_from(record_of(user))
    return kept[user.id]


def reaches_member(user: User) -> bool:
    """Whether the member has reached at least MEMBER, the level that publishes their links (level_of(user)
    >= MEMBER, asked of their record only as far as MEMBER's thresholds): their posts are counted up to
    NEW_MEMBER_MIN_POSTS and their reading over at most TRUST_MEMBER_MIN_READ rows, so a busy member's
    page reads a few index entries, not their whole history; flags, a regular's rule, are not asked."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.trust_level_set is not None:
        return level_of(user) >= MEMBER
    if utcnow() - user.created_at < timedelta(days=site_setting("NEW_MEMBER_MIN_DAYS")):
        return False
    kept = g.setdefault("reaches_member", {}) if has_request_context() else {}
    if user.id not in kept:
        earned = g.get("earned_levels", {}).get(user.id) if has_request_context() else None
        kept[user.id] = earned >= MEMBER if earned is not None else _meets_member(user)
    return kept[user.id]


def _meets_member(user: User) -> bool:
    """MEMBER's posts and reading (its days are checked already), each counted only as far as it asks.
    Once met, the answer is kept in the worker until the site changes (forum.unchanged): reading more and
    posting more only confirm it, and only a public change (a post of theirs deleted, a setting) can undo it;
    asked on every page that has a composer, the counts cost an established member's page more than the rest
    of its composer."""
    posts_needed, read_needed = site_setting("NEW_MEMBER_MIN_POSTS"), site_setting("TRUST_MEMBER_MIN_READ")
    return true_while_unchanged(("reaches member", user.id, posts_needed, read_needed),
                                lambda: _counts_meet_member(user, posts_needed, read_needed))


def _counts_meet_member(user: User, posts_needed: int, read_needed: int) -> bool:
    posts, read, rows = db.session.execute(_member_counts_query(), {
        "user_id": user.id, "posts_needed": posts_needed, "read_needed": read_needed}).one()
    if posts < posts_needed:
        return False
    if read < read_needed and rows == read_needed:  # rows that held little read (a row begun, say): sum them all
        read = db.session.scalar(select(func.coalesce(func.sum(ThreadRead.read_count), 0))
                                 .where(ThreadRead.user_id == user.id))
    return read >= read_needed


@functools.cache
def _member_counts_query():
    """Built once, with bind parameters: building it (and its cache key) cost a page more than running it."""
    some_posts = select(Post.id).where(Post.author_id == bindparam("user_id")).limit(bindparam("posts_needed"))
    first_reads = (select(ThreadRead.read_count).where(ThreadRead.user_id == bindparam("user_id"))
                   .limit(bindparam("read_needed")).subquery())
    return select(select(func.count()).select_from(some_posts.subquery()).scalar_subquery(),
                  select(func.coalesce(func.sum(first_reads.c.read_count), 0)).scalar_subquery(),
                  select(func.count()).select_from(first_reads).scalar_subquery())


def _earned_from(record: Record) -> int:
    level = NEW
    for number in (MEMBER, REGULAR):
        if not _meets(record, number):
            break
        level = number
    return level


def level_of(user) -> int:
    """The member's trust level: the one staff set, else the one they earned. Staff rank as the top."""
    if not getattr(user, "is_authenticated", False):
        return NEW
    if user.is_staff:
        return LEVELS[-1].number
    if user.trust_level_set is not None:
        return user.trust_level_set
    return earned_level(user)


def abilities(user) -> Level:
    return LEVELS[level_of(user)]


def flag_weight(user) -> int:
    """How many members' flags `user`'s flag counts as. Staff count as one member: they have the
    moderation tools themselves, and a flag is how they ask a second pair of eyes."""
    return 1 if user.is_staff else abilities(user).flag_weight


def max_mentions_at(level: int) -> int:
    """@mentions one post may make at `level` (never more than MAX_MENTIONS)."""
    most = current_app.config["MAX_MENTIONS"]
    name = LEVELS[level].mentions
    return most if name == "MAX_MENTIONS" else min(most, site_setting(name))


@dataclass(frozen=True)
class Progress:
    """For the standing page: the level, whether staff set it, and what the next one needs."""

    level: Level
    set_by_staff: bool
    next_level: Level | None
    needs: list[str]  # what is still missing for the next level, in words
    record: Record | None


def progress_of(user: User) -> Progress:
    level = level_of(user)
    set_by_staff = user.trust_level_set is not None and not user.is_staff
    if user.is_staff or level >= LEVELS[-1].number:
        return Progress(LEVELS[level], set_by_staff, None, [], None)
    record = record_of(user)
    following = level + 1
    need = REQUIREMENTS[following]
    needs = []
    wanted = [(site_setting(need.days), record.days, "days since joining"),
              (site_setting(need.posts), record.posts, "posts"),
              (site_setting(need.read), record.read, "posts read")]
    for target, have, what in wanted:
        if have < target:
            needs.append(f"{target} {what} (now {have})")
    if need.max_flags is not None and record.flags > site_setting(need.max_flags):
        needs.append(f"no more than {site_setting(need.max_flags)} flags from others on their posts (now {record.flags})")
    if set_by_staff:
        needs = ["a moderator to change the level they set"]
    return Progress(LEVELS[level], set_by_staff, LEVELS[following], needs, record)
