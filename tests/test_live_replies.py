"""New replies while reading: a poll that answers 304 when nothing changed, a button for others' new
replies, and the posts appended when the reader asks."""

import re

from forum.extensions import db
from forum.moderation.service import threads as thread_moderation
from forum.models import ThreadRead
from forum.posts import service as posts
from tests.conftest import HTMX
from tests.factories import make_category, make_reply, make_thread, make_user


def poll(client, thread, after, tag=None):
    headers = dict(HTMX)
    if tag is not None:
        headers["HX-PTag"] = tag
    return client.get(f"/t/{thread.id}/new-replies?after={after}", headers=headers)


def test_the_last_page_polls_with_the_thread_post_count_as_its_tag(client):
    thread = make_thread(body="first")
    reply = make_reply(thread)
    page = client.get(f"/t/{thread.id}-{thread.slug}")
    region = re.search(r'<div id="new-replies"[^>]*>', page.text).group(0)
    assert f'data-hx-get="/t/{thread.id}/new-replies?after={reply.id}&amp;seen=2"' in region
    assert 'data-hx-ptag="2"' in region and 'aria-live="polite"' in region and "every 10s" in region


def test_an_unchanged_thread_answers_304_with_nothing_rendered(client, queries):
    thread_id = make_thread(body="first").id
    db.session.expunge_all()  # the request starts from an empty session, as in a real server
    queries.clear()
    response = client.get(f"/t/{thread_id}/new-replies?after=1", headers={**HTMX, "HX-PTag": "1"})
    assert response.status_code == 304 and response.data == b""
    assert response.headers["Cache-Control"] == "no-store"
    assert len(queries) == 1  # the thread (with its category), by primary key


def test_new_replies_by_others_are_counted_and_offered(client):
    reader = make_user()
    thread = make_thread(body="first")
    opening_id = db.session.scalar(db.select(db.func.max(posts.Post.id)))
    client.sign_in(reader)
    make_reply(thread, body="one")
    make_reply(thread, body="two")
    make_reply(thread, author=reader, body="my own, already on my page")

    response = poll(client, thread, after=opening_id, tag="1")
    assert response.status_code == 200
    assert response.headers["HX-PTag"] == "4"
    assert "2 new replies — show" in response.text
    assert f'data-hx-get="/t/{thread.id}/new-replies/posts?after={opening_id}"' in response.text

    assert poll(client, thread, after=opening_id, tag="4").status_code == 304
    # the first poll names the tag the page was rendered with in the URL
    assert client.fragment(f"/t/{thread.id}/new-replies?after={opening_id}&seen=4").status_code == 304
    assert client.fragment(f"/t/{thread.id}/new-replies?after={opening_id}&seen=3").status_code == 200


def test_removed_replies_are_not_offered(client):
    thread = make_thread(body="first")
    opening_id = db.session.scalar(db.select(db.func.max(posts.Post.id)))
    gone = make_reply(thread, body="regretted")
    posts.delete_post(gone, gone.author)
    response = poll(client, thread, after=opening_id, tag="1")
    assert response.status_code == 200 and "new repl" not in response.text


def test_showing_appends_the_posts_and_restarts_the_poll_after_them(client):
    reader = make_user()
    thread = make_thread(body="first")
    opening_id = db.session.scalar(db.select(db.func.max(posts.Post.id)))
    client.sign_in(reader)
    client.get(f"/t/{thread.id}-{thread.slug}")
    first, second = make_reply(thread, body="first new"), make_reply(thread, body="second new")

    response = client.fragment(f"/t/{thread.id}/new-replies/posts?after={opening_id}")
    assert response.status_code == 200
    assert response.text.index("first new") < response.text.index("second new")
    assert '<hx-partial hx-target="#new-replies" hx-swap="outerHTML">' in response.text
    assert f"new-replies?after={second.id}" in response.text and 'data-hx-ptag="3"' in response.text
    db.session.expire_all()
    assert db.session.get(ThreadRead, (reader.id, thread.id)).last_read_post_id == second.id
    assert first.id < second.id


def test_many_new_replies_send_the_reader_to_the_pages(client, app):
    thread = make_thread(body="first")
    opening_id = db.session.scalar(db.select(db.func.max(posts.Post.id)))
    author = make_user()
    for n in range(51):
        make_reply(thread, author=author, body=f"reply {n}")
    response = poll(client, thread, after=opening_id)
    assert "51 new replies — read them" in response.text
    assert f'href="/t/{thread.id}/unread"' in response.text


def test_guests_cannot_poll_a_members_only_thread(client):
    thread = make_thread(category=make_category(members_only=True), body="secret")
    make_reply(thread, body="secret reply")
    response = poll(client, thread, after=0)
    assert response.status_code == 200 and "secret reply" not in response.text and "new repl" not in response.text
    shown = client.fragment(f"/t/{thread.id}/new-replies/posts?after=0")
    assert shown.status_code == 403 and "secret reply" not in shown.text


def test_a_poll_for_a_thread_no_longer_readable_stops_quietly(client):
    staff = make_user(role="moderator")
    thread = make_thread(body="first")
    thread_moderation.remove(staff, thread, "Spam")
    response = poll(client, thread, after=0, tag="1")
    assert response.status_code == 200 and response.headers["HX-Reswap"] == "outerHTML"
    assert '<div id="new-replies" class="new-replies" aria-live="polite"></div>' in response.text
    assert "hx-trigger" not in response.text and "no such thread" not in response.text

    lounge = make_thread(category=make_category(members_only=True), body="secret")
    assert "hx-trigger" not in poll(client, lounge, after=0).text
