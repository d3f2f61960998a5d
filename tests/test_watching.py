"""Watching a thread (told of every new post) and muting it (told of nothing), as pages and fragments."""

import pytest

from forum.extensions import db
from forum.members.service import preferences
from forum.models import Notification, ThreadSubscription
from forum.moderation.service import threads as thread_moderation
from forum.posts import service as posts
from forum.posts.service.quoting import quote_markdown
from tests.factories import make_reply, make_thread, make_user


@pytest.fixture
def lou(app):
    return make_user(username="lou_d", display_name="Lou Dobbs")


@pytest.fixture
def thread(app):
    return make_thread(title="Bridge vote")


def thread_url(thread):
    return f"/t/{thread.id}-{thread.slug}"


def kinds_for(user):
    return sorted(db.session.scalars(db.select(Notification.kind).where(Notification.user_id == user.id)))


def level_of(user, thread):
    return db.session.scalar(db.select(ThreadSubscription.level).where(
        ThreadSubscription.user_id == user.id, ThreadSubscription.thread_id == thread.id))


# The rules, through the services


def test_a_watcher_hears_of_every_new_post_once_but_not_of_their_own(lou, thread):
    preferences.set_watch_level(lou, thread, "watching")
    writer = make_user()
    first = make_reply(thread, author=writer, body="one")
    make_reply(thread, author=writer, body="two")
    make_reply(thread, author=lou, body="my own")
    assert kinds_for(lou) == ["watched", "watched"]
    assert db.session.scalar(db.select(Notification.post_id).where(Notification.user_id == lou.id)
                             .order_by(Notification.id)) == first.id


def test_a_mention_reply_or_quote_beats_watched_and_still_notifies_once(lou, thread):
    preferences.set_watch_level(lou, thread, "watching")
    original = make_reply(thread, author=lou, body="my point")
    writer = make_user()
    posts.add_reply(thread, writer, "hi @lou_d")
    posts.add_reply(thread, writer, "answering", parent_id=original.id)
    posts.add_reply(thread, writer, quote_markdown(original) + "quoting")
    assert kinds_for(lou) == ["mention", "quote", "reply"]


def test_edits_do_not_notify_watchers_again(lou, thread):
    writer = make_user()
    post = make_reply(thread, author=writer, body="first words")
    preferences.set_watch_level(lou, thread, "watching")
    posts.edit_post(post, writer, "better words", None)
    assert kinds_for(lou) == []


def test_watching_is_never_automatic(lou):
    thread = make_thread(author=lou)
    make_reply(thread, author=lou, body="and a reply of mine")
    make_reply(thread, body="someone else")
    assert level_of(lou, thread) is None and kinds_for(lou) == []


def test_a_muted_thread_notifies_nothing_not_even_mentions_replies_or_quotes(lou, thread):
    original = make_reply(thread, author=lou, body="my point")
    preferences.set_watch_level(lou, thread, "muted")
    writer = make_user()
    posts.add_reply(thread, writer, quote_markdown(original) + "hi @lou_d", parent_id=original.id)
    posts.add_reply(thread, writer, "answering", parent_id=original.id)
    assert kinds_for(lou) == []
    other = make_thread()
    posts.add_reply(other, writer, "hi @lou_d")  # other threads are not muted
    assert kinds_for(lou) == ["mention"]


def test_back_to_normal_hears_only_of_mentions_replies_and_quotes(lou, thread):
    preferences.set_watch_level(lou, thread, "watching")
    preferences.set_watch_level(lou, thread, "normal")
    make_reply(thread, body="nothing for lou")
    make_reply(thread, body="hi @lou_d")
    assert kinds_for(lou) == ["mention"] and level_of(lou, thread) is None


def test_an_unknown_level_is_refused(lou, thread):
    with pytest.raises(ValueError):
        preferences.set_watch_level(lou, thread, "loud")


# The control on the thread page


def test_members_see_the_control_with_their_level_pressed_and_guests_do_not(client, lou, thread):
    assert 'id="watch-control"' not in client.get(thread_url(thread)).text
    client.sign_in(lou)
    page = client.get(thread_url(thread)).text
    assert '<form class="watch-control" id="watch-control"' in page
    assert 'aria-pressed="true">Normal</button>' in page and 'aria-pressed="false">Watching</button>' in page
    preferences.set_watch_level(lou, thread, "muted")
    assert 'aria-pressed="true">Muted</button>' in client.get(thread_url(thread)).text


def test_choosing_as_a_page_stores_it_and_goes_back_to_the_thread(client, lou, thread):
    client.sign_in(lou)
    response = client.submit(f"/t/{thread.id}/subscription", {"level": "watching", "next": thread_url(thread)})
    assert response.status_code == 302 and response.location == thread_url(thread)
    assert level_of(lou, thread) == "watching"
    page = client.get(thread_url(thread)).text
    assert 'aria-pressed="true">Watching</button>' in page and "you are told of every new post" in page.lower()


def test_choosing_as_a_fragment_answers_with_the_control(client, lou, thread):
    client.sign_in(lou)
    response = client.submit(f"/t/{thread.id}/subscription", {"level": "muted"}, htmx=True)
    assert response.status_code == 200 and "HX-Request-Type" in response.headers["Vary"]
    assert response.text.lstrip().startswith('<form class="watch-control" id="watch-control"')
    assert 'aria-pressed="true">Muted</button>' in response.text and "<html" not in response.text
    assert 'id="flash"' in response.text and "Muted: nothing in this thread notifies you" in response.text
    assert level_of(lou, thread) == "muted"
    client.submit(f"/t/{thread.id}/subscription", {"level": "normal"}, htmx=True)
    assert level_of(lou, thread) is None


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_an_unknown_level_is_a_400_with_a_reason(client, lou, thread, htmx):
    client.sign_in(lou)
    response = client.submit(f"/t/{thread.id}/subscription", {"level": "loud"}, htmx=htmx)
    assert response.status_code == 400 and "Choose Normal, Watching or Muted." in response.text
    assert level_of(lou, thread) is None


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_thread_the_member_cannot_read_is_404(client, lou, thread, htmx):
    thread_moderation.remove(make_user(role="admin"), thread, "spam")
    client.sign_in(lou)
    assert client.submit(f"/t/{thread.id}/subscription", {"level": "watching"}, htmx=htmx).status_code == 404
    assert client.submit("/t/999999/subscription", {"level": "watching"}, htmx=htmx).status_code == 404
    assert level_of(lou, thread) is None


def test_guests_and_forged_requests_are_refused(client, lou, thread):
    assert client.submit(f"/t/{thread.id}/subscription", {"level": "watching"}).status_code == 302
    response = client.submit(f"/t/{thread.id}/subscription", {"level": "watching"}, htmx=True)
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")
    client.sign_in(lou)
    assert client.post(f"/t/{thread.id}/subscription", data={"level": "watching"}).status_code == 400  # no CSRF
    assert level_of(lou, thread) is None


def test_a_reply_fragment_updates_the_count_without_a_second_control(client, lou, thread):
    client.sign_in(lou)
    response = client.submit(f"/t/{thread.id}/reply", {"body": "Fragment reply"}, htmx=True)
    assert response.status_code == 201
    assert '<p class="thread-meta" id="thread-meta">2 posts</p>' in response.text
    assert "watch-control" not in response.text


def test_the_notifications_page_says_what_happened(client, lou, thread):
    preferences.set_watch_level(lou, thread, "watching")
    make_reply(thread, author=make_user(display_name="Susan T."), body="news")
    client.sign_in(lou)
    page = client.get("/notifications").text
    assert "Susan T.</bdi>\n              posted in a thread you watch in “Bridge vote”" in page
