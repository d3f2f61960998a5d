"""Notifications: mentions, replies and quotes reach the member once each; a count and a page."""

import re

import pytest

from forum.extensions import db
from forum.models import Notification
from forum.posts import service as posts
from forum.posts.service.quoting import quote_markdown
from tests.conftest import HTMX
from tests.factories import make_reply, make_thread, make_user


@pytest.fixture
def lou(app):
    return make_user(username="lou_d", display_name="Lou Dobbs", name_style="short")


def kinds_for(user):
    return sorted(db.session.scalars(db.select(Notification.kind).where(Notification.user_id == user.id)))


def test_replies_quotes_and_mentions_each_notify_once(lou):
    thread = make_thread()
    original = make_reply(thread, author=lou, body="my point")
    writer = make_user()
    posts.add_reply(thread, writer, "answering", parent_id=original.id)
    posts.add_reply(thread, writer, quote_markdown(original) + "quoting")
    posts.add_reply(thread, writer, quote_markdown(original) + "and @lou_d too", parent_id=original.id)
    assert kinds_for(lou) == ["mention", "quote", "reply"]


def test_nobody_is_notified_of_their_own_post_or_of_quotes_inside_quotes(lou):
    thread = make_thread()
    original = make_reply(thread, author=lou, body="my point")
    posts.add_reply(thread, lou, quote_markdown(original) + "quoting myself", parent_id=original.id)
    middle = make_reply(thread, body=quote_markdown(original) + "a reply")
    db.session.execute(db.delete(Notification))
    db.session.commit()
    posts.add_reply(thread, make_user(), quote_markdown(middle) + "quoting the reply")
    assert kinds_for(lou) == []  # lou's words are quoted only inside another quote


def test_the_header_counts_unread_and_the_page_lists_them(client, lou):
    thread = make_thread(title="Bridge vote")
    original = make_reply(thread, author=lou)
    posts.add_reply(thread, make_user(display_name="Susan T."), "hi @lou_d")
    posts.add_reply(thread, make_user(), "answer", parent_id=original.id)
    client.sign_in(lou)
    home = client.get("/").text
    assert '<span class="count">2<span class="visually-hidden"> unread</span></span>' in home
    page = client.get("/notifications").text
    assert "Susan T.</bdi>\n              mentioned you in “Bridge vote”" in page and "replied to your post" in page
    assert page.count('class="notification unread"') == 2


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_mark_all_read(client, lou, htmx):
    thread = make_thread()
    posts.add_reply(thread, make_user(), "hi @lou_d")
    client.sign_in(lou)
    response = client.submit("/notifications/read", htmx=htmx)
    if htmx:
        assert response.status_code == 200 and response.text.lstrip().startswith('<div id="notification-list">')
        assert 'class="notification unread"' not in response.text
        assert re.search(r'<a href="/notifications" id="notification-count"[^>]* data-hx-swap-oob="true">Notifications</a>',
                         response.text)
        assert "HX-Request-Type" in response.headers["Vary"]
    else:
        assert response.status_code == 302 and response.location == "/notifications"
    assert 'class="count"' not in client.get("/").text


def test_notifications_need_a_member(app, client):
    assert client.get("/notifications").status_code == 302
    assert client.get("/notifications", headers=HTMX).status_code == 401
    assert client.submit("/notifications/read").status_code == 302


def test_the_header_count_is_polled_and_answers_304_until_it_changes(client, lou):
    assert client.fragment("/notifications/count").status_code == 204  # guests: nothing to swap
    thread = make_thread()
    posts.add_reply(thread, make_user(), "hi @lou_d")
    first = db.session.scalars(db.select(Notification)).one()
    client.sign_in(lou)
    page = client.get("/")
    assert f'data-hx-ptag="1-{first.id}"' in page.text
    assert f'data-hx-get="/notifications/count?seen=1-{first.id}"' in page.text
    assert client.fragment(f"/notifications/count?seen=1-{first.id}").status_code == 304

    unchanged = client.get("/notifications/count", headers={**HTMX, "HX-PTag": f"1-{first.id}"})
    assert unchanged.status_code == 304 and unchanged.data == b""
    assert unchanged.headers["Cache-Control"] == "no-store"

    client.submit("/notifications/read")
    posts.add_reply(thread, make_user(), "again @lou_d")  # the count is 1 again, the tag is not
    second = db.session.scalars(db.select(Notification).order_by(Notification.id.desc())).first()
    changed = client.get("/notifications/count", headers={**HTMX, "HX-PTag": f"1-{first.id}"})
    assert changed.status_code == 200 and changed.headers["HX-PTag"] == f"1-{second.id}"
    assert '<span class="count">1<span class="visually-hidden"> unread</span></span>' in changed.text


def test_the_count_leaves_out_notifications_from_a_removed_thread_as_the_list_does(client, lou):
    from forum.moderation.service import threads as thread_moderation
    thread = make_thread()
    posts.add_reply(thread, make_user(), "hi @lou_d")
    client.sign_in(lou)
    assert '<span class="count">1<' in client.get("/").text
    thread_moderation.remove(make_user(role="moderator"), thread, "Off topic")
    assert 'class="count"' not in client.get("/").text
    assert "mentioned you" not in client.get("/notifications").text
