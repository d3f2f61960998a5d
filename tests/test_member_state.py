"""The signed-in member's own state (forum/member_state.py), read with the member in one query: every
page shows it as it is now, and a page whose own request changed it shows the change."""

import re

from forum.auth.service import sessions
from forum.extensions import db
from forum.messages import service as messages
from forum.models import User
from forum.moderation.service import sanctions
from forum.moderation.service.sanctions import SanctionRequest
from tests.conftest import HTMX
from tests.factories import make_reply, make_thread, make_user


def count_in(page) -> str:
    """The header's unread count as the page shows it ('' for none)."""
    link = re.search(r'<a href="/notifications" id="notification-count".*?</a>', page.text, re.S).group(0)
    shown = re.search(r'<span class="count">(\d+)', link)
    return shown.group(1) if shown else ""


def test_a_members_page_reads_the_member_and_their_state_in_one_query(client, queries):
    member = make_user()
    client.sign_in(member)
    db.session.expunge_all()
    queries.clear()
    page = client.get("/settings")
    assert page.status_code == 200 and 'id="notification-count"' in page.text
    assert len(queries) == 1, queries  # the member, their session, their sanctions and unread counts


def test_a_new_notification_shows_its_count_at_once(client):
    member, writer = make_user(), make_user()
    thread = make_thread(author=member)
    client.sign_in(member)
    assert count_in(client.get("/settings")) == ""
    make_reply(thread, author=writer, body="@" + member.username + " look")
    assert count_in(client.get("/settings")) == "1"
    polled = client.get("/notifications/count", headers=HTMX)
    assert polled.status_code == 200 and '<span class="count">1<' in polled.text


def test_a_conversation_read_by_this_very_request_leaves_the_count_on_its_page(client):
    member, writer = make_user(), make_user()
    conversation = messages.start_conversation(writer, [member], "Hello", "A first message")
    client.sign_in(member)
    assert count_in(client.get("/settings")) == "1"
    assert count_in(client.get(f"/messages/{conversation.id}")) == ""  # read while the page was made


def test_marking_notifications_read_updates_the_count_sent_with_it(client):
    member = make_user()
    make_reply(make_thread(), body="@" + member.username + " look")
    client.sign_in(member)
    assert count_in(client.get("/notifications")) == "1"
    answer = client.submit("/notifications/read", htmx=True)
    assert answer.status_code == 200 and count_in(answer) == ""


def test_a_sanctions_notice_appears_at_once_and_a_lifted_ones_goes(client, admin):
    member = make_user()
    client.sign_in(member)
    page = client.get("/settings")
    assert "notice-box" not in page.text and "New thread" in page.text
    silence = sanctions.issue(admin, member, SanctionRequest(kind="silence", reason="Cool off.", days=2))
    page = client.get("/settings")
    assert "notice-silence" in page.text and "New thread" not in page.text
    assert client.submit("/t/new", {"title": "A title here", "body": "words"}).status_code == 403
    sanctions.lift(admin, db.session.get(type(silence), silence.id), "Fine now.")
    page = client.get("/settings")
    assert "notice-box" not in page.text and "New thread" in page.text


def test_a_suspended_member_is_signed_out_at_once(client, admin):
    member = make_user()
    client.sign_in(member)
    sanctions.issue(admin, member, SanctionRequest(kind="suspension", reason="Time out.", days=2))
    page = client.get("/settings")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert "suspended" in client.get("/").text.lower()


def test_a_session_ended_elsewhere_is_refused_at_once(client):
    member = make_user()
    client.sign_in(member)
    assert client.get("/settings").status_code == 200
    for record in sessions.current_sessions(db.session.get(User, member.id)):
        sessions.end(member, record.id)
    assert client.get("/settings").status_code == 302


def test_a_role_change_shows_and_hides_the_staff_links_at_once(client):
    member = make_user()
    client.sign_in(member)
    assert "Admin area" not in client.get("/settings").text
    db.session.get(User, member.id).role = "admin"
    db.session.commit()
    assert "Admin area" in client.get("/settings").text
    db.session.get(User, member.id).role = "member"
    db.session.commit()
    assert "Admin area" not in client.get("/settings").text


def test_the_headers_fixed_addresses_follow_the_script_root(client):
    """templating.fixed_url keeps each address per script root: a forum served under /forum links there."""
    member = make_user()
    client.sign_in(member)
    plain = client.get("/settings").text
    assert 'href="/messages"' in plain and 'href="/static/css/forum.css"' in plain
    below = client.get("/settings", base_url="http://localhost/forum").text
    assert 'href="/forum/messages"' in below and 'href="/forum/static/css/forum.css"' in below
    assert 'data-hx-get="/forum/notifications/count?seen=0-0"' in below
    assert 'href="/messages"' in client.get("/settings").text


def test_the_notifications_page_counts_unread_conversations_as_they_are(client):
    member, writer = make_user(), make_user()
    client.sign_in(member)
    assert "with new messages" not in client.get("/notifications").text
    conversation = messages.start_conversation(writer, [member], "Hello", "A first message")
    assert "1 private conversation with new messages" in client.get("/notifications").text
    client.get(f"/messages/{conversation.id}")
    assert "with new messages" not in client.get("/notifications").text


def test_the_count_leaves_out_removed_threads_for_members_but_not_for_staff(client):
    """As the notifications page lists them (notifications.visible_notifications, policy.readable_by)."""
    from forum.models import Thread
    from forum.models.base import utcnow

    member, moderator = make_user(), make_user(role="moderator")
    thread = make_thread()
    make_reply(thread, body=f"@{member.username} and @{moderator.username}, look")
    db.session.get(Thread, thread.id).removed_at = utcnow()
    db.session.commit()
    client.sign_in(member)
    assert count_in(client.get("/settings")) == ""
    client.sign_in(moderator)
    assert count_in(client.get("/settings")) == "1"
