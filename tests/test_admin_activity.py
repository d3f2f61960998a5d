"""The admin overview's charts: posts, sign-ups, flags and sanctions per day, flag waits, busiest threads."""

import re
from datetime import datetime, timedelta

from sqlalchemy import update

from forum.admin.service import activity
from forum.database import write_transaction
from forum.extensions import db
from forum.models import Flag, Post, Sanction, Thread, User
from forum.models.base import utcnow
from tests.factories import make_reply, make_thread, make_user

NOW = datetime(2026, 12, 6, 15, 0)


def backdate(model, column, row_id, when):
    with write_transaction() as session:
        session.execute(update(model).where(model.id == row_id).values({column: when}))


def flag(post, flagger, raised, waited=None):
    with write_transaction() as session:
        session.add(Flag(post_id=post.id, user_id=flagger.id, reason="spam", created_at=raised,
                         resolved_at=raised + waited if waited is not None else None))


def sanction_on(member, actor, when):
    with write_transaction() as session:
        session.add(Sanction(user_id=member.id, kind="silence", reason="Calm down.", issued_by_id=actor.id,
                             starts_at=when))


def thread_with_posts(posts, when, title="A thread to talk in"):
    """A thread whose `posts` posts (the opening one included) were all written at `when`."""
    thread = make_thread(title=title)
    for _ in range(posts - 1):
        make_reply(thread)
    with write_transaction() as session:
        session.execute(update(Post).where(Post.thread_id == thread.id).values(created_at=when))
    return thread


def test_each_series_counts_its_rows_per_day_over_the_period(app):
    busy_day, quiet_day = NOW - timedelta(days=2), NOW - timedelta(days=29)
    thread_with_posts(3, busy_day)
    thread_with_posts(1, quiet_day)
    thread_with_posts(4, NOW - timedelta(days=31))  # before the 30 days: counted in the 90 only
    member, moderator = make_user(), make_user(role="moderator")
    for user in (member, moderator):
        backdate(User, "created_at", user.id, busy_day)
    post = db.session.scalars(db.select(Post)).first()
    flag(post, member, busy_day)
    sanction_on(member, moderator, quiet_day)

    shown = activity.activity(30, now=NOW)
    assert shown.first_day == (NOW - timedelta(days=29)).date() and len(shown.daily["posts"]) == 30
    day = dict(shown.daily["posts"])
    assert day[busy_day.date()] == 3 and day[quiet_day.date()] == 1 and shown.total("posts") == 4
    assert dict(shown.daily["signups"])[busy_day.date()] == 2
    assert shown.total("flags") == 1 and dict(shown.daily["flags"])[busy_day.date()] == 1
    assert shown.total("sanctions") == 1 and dict(shown.daily["sanctions"])[quiet_day.date()] == 1
    assert shown.peak("posts") == (busy_day.date(), 3)
    assert activity.activity(90, now=NOW).total("posts") == 8


def test_flag_waits_fall_into_their_buckets_and_open_flags_are_not_counted(app):
    thread = thread_with_posts(1, NOW)
    post = db.session.scalars(db.select(Post).where(Post.thread_id == thread.id)).one()
    raised = NOW - timedelta(days=20)
    for waited in (timedelta(minutes=30), timedelta(hours=3), timedelta(hours=3), timedelta(days=2),
                   timedelta(days=10), None):
        flag(post, make_user(), raised, waited)
    flag(post, make_user(), NOW - timedelta(days=60), timedelta(minutes=5))  # decided before the 30 days
    assert activity.activity(30, now=NOW).waits == [
        ("under 1 hour", 1), ("1 to 6 hours", 2), ("6 to 24 hours", 0), ("1 to 3 days", 1), ("3 to 7 days", 0),
        ("over 7 days", 1)]


def test_busiest_threads_count_the_periods_posts_most_first_and_leave_out_removed_threads(app):
    thread_with_posts(2, NOW - timedelta(days=1), title="Quiet")
    thread_with_posts(5, NOW - timedelta(days=1), title="Busy")
    removed = thread_with_posts(9, NOW - timedelta(days=1), title="Removed")
    thread_with_posts(20, NOW - timedelta(days=40), title="Old")
    backdate(Thread, "removed_at", removed.id, NOW)
    assert [(thread.title, number) for thread, number in activity.activity(30, now=NOW).busiest] == [
        ("Busy", 5), ("Quiet", 2)]


def test_the_admin_page_draws_the_charts_with_their_numbers_as_tables(admin_client):
    thread_with_posts(3, utcnow(), title="Tea <and> biscuits")
    page = admin_client.get("/admin")
    assert page.status_code == 200
    svgs = re.findall(r"<svg class=\"chart\".*?</svg>", page.text, re.S)
    assert len(svgs) == 6  # four series, the flag waits, the busiest threads
    for svg in svgs:
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg and "style=" not in svg
    assert "Posts per day, last 30 days" in page.text and "Activity, last 30 days" in page.text
    assert "Show the daily numbers as a table" in page.text
    assert "Tea &lt;and&gt; biscuits" in svgs[-1] and "<and>" not in page.text
    assert re.search(r"<td>3</td><td>\d+</td><td>0</td><td>0</td></tr>\s*</tbody>", page.text)  # today's row
    assert 'aria-current="page" href="/admin?days=30"' in page.text


def test_the_period_is_chosen_by_a_plain_link_and_a_wrong_one_is_refused(admin_client):
    page = admin_client.get("/admin?days=90")
    assert page.status_code == 200 and "Activity, last 90 days" in page.text
    assert page.text.count("<tr><th scope=\"row\"><time") == 90
    refused = admin_client.get("/admin?days=7")
    assert refused.status_code == 400 and "30 or 90 days" in refused.text
    assert admin_client.get("/admin?days=x").status_code == 400


def test_moderators_see_the_charts_too_and_members_do_not(client):
    client.sign_in(make_user(role="moderator"))
    assert "Activity, last 30 days" in client.get("/admin").text
    other = client.application.test_client()
    other.sign_in(make_user())
    assert other.get("/admin").status_code in (403, 404)


def test_the_charts_cost_the_same_queries_however_much_there_is(admin_client, queries):
    def count():
        queries.clear()
        assert admin_client.get("/admin?days=90").status_code == 200
        return len(queries)

    thread_with_posts(2, utcnow())
    small = count()
    for n in range(12):
        thread = thread_with_posts(n + 2, utcnow() - timedelta(days=n * 7), title=f"Thread {n}")
        post = db.session.scalars(db.select(Post).where(Post.thread_id == thread.id)).first()
        member, moderator = make_user(), make_user(role="moderator")
        flag(post, member, utcnow() - timedelta(days=n), timedelta(hours=n))
        sanction_on(member, moderator, utcnow() - timedelta(days=n))
    assert count() == small


def test_a_member_search_keeps_the_charts_period(admin_client):
    assert '<input type="hidden" name="days" value="90">' in admin_client.get("/admin?days=90").text
    assert 'name="days"' not in admin_client.get("/admin").text
    assert admin_client.get("/admin?days=90&q=boss").status_code == 200
