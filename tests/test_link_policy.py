"""Whose links are published (policy.links_allowed_for): a member's own, from the "member" trust level on,
asked of their record only as far as that level's thresholds (trust.reaches_member), so that a busy
member's thread page does not count every post they wrote and read."""

from datetime import timedelta

from forum.database import write_transaction
from forum.extensions import db
from forum.models import Thread, ThreadRead, User
from forum.models.base import utcnow
from forum.policy import links_allowed_for
from tests.factories import make_reply, make_thread, make_user
from tests.test_trust_levels import age, ladder, posts_by, read  # noqa: F401 (ladder: a fixture)


def reads(member, counts):
    """Reading rows for `member`, one per new thread, with these read counts, in this order."""
    for count in counts:
        read(member, make_thread(), count)


def test_links_are_published_from_the_member_level_exactly(app, ladder):  # noqa: F811
    member = make_user()
    thread = posts_by(member, 2)
    age(member, 3)
    reads(member, [5])
    assert not links_allowed_for(db.session.get(User, member.id))  # two posts of the three it takes
    make_reply(thread, author=member)
    assert links_allowed_for(db.session.get(User, member.id))


def test_reading_is_summed_whole_when_the_first_rows_fall_short(app, ladder):  # noqa: F811
    """The first TRUST_MEMBER_MIN_READ rows may hold nothing read (a row begun, say): then every row counts."""
    member = make_user()
    posts_by(member, 3)
    age(member, 3)
    reads(member, [0, 0, 0, 0, 0, 0, 4])
    assert not links_allowed_for(db.session.get(User, member.id))  # 4 of the 5 it takes
    reads(member, [1])
    assert links_allowed_for(db.session.get(User, member.id))


def test_a_level_set_by_staff_and_staff_themselves_decide_without_a_count(app, ladder, queries):  # noqa: F811
    member, moderator = make_user(), make_user(role="moderator")
    age(member, 3)
    with write_transaction() as session:
        session.get(User, member.id).trust_level_set = 1
    queries.clear()
    assert links_allowed_for(db.session.get(User, member.id)) and links_allowed_for(moderator)
    assert not [q for q in queries if "posts" in q or "thread_reads" in q]


def test_a_busy_members_thread_page_counts_no_flags_and_no_whole_history(client, queries):
    """The composer's link notice needs the member level alone: nothing about flags (a regular's rule)."""
    member = make_user()
    with write_transaction() as session:
        session.get(User, member.id).created_at = utcnow() - timedelta(days=400)
    thread = make_thread()
    for _ in range(3):
        make_reply(thread, author=member)
    with write_transaction() as session:
        session.merge(ThreadRead(user_id=member.id, thread_id=thread.id, read_count=3))
    client.sign_in(member)
    queries.clear()
    thread = db.session.get(Thread, thread.id)
    page = client.get(f"/t/{thread.id}-{thread.slug}")
    assert page.status_code == 200
    assert not [q for q in queries if "flags" in q], queries
    assert [q for q in queries if "LIMIT" in q and "author_id" in q]  # posts counted up to the threshold
