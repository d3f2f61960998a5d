"""What a thread page shows of the reader's own (issue 18: read with the thread, in one statement): their
draft, where the posts new to them begin, their notification choice and whom they ignore. Each must be
this member's, for this thread, as it is now; and a guest sees none of it."""

import re

import pytest

from forum.members.service import preferences
from tests.factories import make_reply, make_thread, make_user


@pytest.fixture
def small_pages(app):
    app.config["POSTS_PER_PAGE"] = 3
    return app


def url_of(thread, page=None):
    return f"/t/{thread.id}-{thread.slug}" + (f"?page={page}" if page else "")


def composer_text(html: str) -> str:
    return re.search(r'<textarea[^>]*id="reply-body"[^>]*>(.*?)</textarea>', html, re.S).group(1).strip()


def test_the_draft_shown_is_this_members_for_this_thread_and_as_last_saved(client):
    here, there = make_thread(title="Here"), make_thread(title="There")
    answered = make_reply(here, author=make_user(display_name="Lou Daniels"))
    mara, nils = make_user(), make_user()
    client.sign_in(nils)
    client.submit(f"/t/{here.id}/draft", {"body": "Nils's words"}, htmx=True)
    client.submit("/logout")
    client.sign_in(mara)
    assert composer_text(client.get(url_of(here)).text) == ""  # not another member's
    client.submit(f"/t/{there.id}/draft", {"body": "For the other thread"}, htmx=True)
    assert composer_text(client.get(url_of(here)).text) == ""  # not another thread's
    client.submit(f"/t/{here.id}/draft", {"body": "First words", "parent_id": str(answered.id)}, htmx=True)
    page = client.get(url_of(here)).text
    assert composer_text(page) == "First words" and "<bdi>Lou Daniels</bdi>" in page.split('id="reply-context"')[1]
    client.submit(f"/t/{here.id}/draft", {"body": "Second words"}, htmx=True)
    page = client.get(url_of(here)).text
    assert composer_text(page) == "Second words"
    assert re.search(r'<p id="reply-context" class="reply-context" hidden>', page)  # the target went with it
    assert composer_text(client.get(url_of(there)).text) == "For the other thread"
    client.submit(f"/t/{here.id}/reply", {"body": "Posted at last."})
    assert composer_text(client.get(url_of(here)).text) == ""


def test_the_new_posts_line_follows_this_members_reading_of_this_thread(client, small_pages):
    thread, other = make_thread(body="first"), make_thread(body="elsewhere")
    make_reply(thread, body="second")
    mara, nils = make_user(), make_user()
    client.sign_in(nils)
    client.get(url_of(thread))  # Nils has read it all: nothing says so for Mara
    client.submit("/logout")
    client.sign_in(mara)
    client.get(url_of(other))
    assert "new-posts-line" not in client.get(url_of(thread)).text  # never opened: no line, all is new
    newer = make_reply(thread, body="third")
    page = client.get(url_of(thread)).text
    assert re.search(rf'id="new-posts"[^>]*>New since your last visit</p>\s*<article class="post" id="p{newer.id}"', page)
    assert "new-posts-line" not in client.get(url_of(thread)).text  # read now
    newest = make_reply(thread, body="fourth")  # on page 2
    page = client.get(url_of(thread, 2)).text
    assert re.search(rf'New since your last visit</p>\s*<article class="post" id="p{newest.id}"', page)


def test_the_watch_control_and_the_ignored_are_this_members_own(client):
    thread, other = make_thread(body="first"), make_thread(body="elsewhere")
    loud = make_user(display_name="Loud One")
    make_reply(thread, author=loud, body="Very loud.")
    mara, nils = make_user(), make_user()
    preferences.set_watch_level(nils, thread, "muted")
    preferences.ignore(nils, loud)
    preferences.set_watch_level(mara, other, "watching")
    client.sign_in(mara)
    page = client.get(url_of(thread)).text
    assert 'id="watch-normal"\n              aria-pressed="true"' in page or re.search(
        r'id="watch-normal"\s+aria-pressed="true"', page)
    assert "post-ignored" not in page
    preferences.set_watch_level(mara, thread, "watching")
    preferences.ignore(mara, loud)
    page = client.get(url_of(thread)).text
    assert re.search(r'id="watch-watching"\s+aria-pressed="true"', page) and "post-ignored" in page
    preferences.unignore(mara, loud)
    assert "post-ignored" not in client.get(url_of(thread)).text


def test_a_guest_sees_no_composer_no_line_and_no_watch_control(app, client):
    app.config["PAGE_CACHE_SECONDS"] = 0
    thread = make_thread(body="first")
    make_reply(thread)
    page = client.get(url_of(thread)).text
    assert "reply-body" not in page and "new-posts-line" not in page and "watch-control" not in page
    assert "Sign in to reply" in page


def test_replies_on_later_pages_are_named_oldest_first_and_removed_ones_left_out(app, client):
    """A page names who answered its posts, though they wrote nothing on it (read with the page's names,
    in one statement): in the order they answered, and none whose answer was removed."""
    from forum.posts import service as posts

    app.config["POSTS_PER_PAGE"] = 2
    thread = make_thread(author=make_user(display_name="Opal"), body="first")
    make_reply(thread, body="on page one")
    first_id = re.findall(r'id="p(\d+)"', client.get(url_of(thread)).text)[0]
    answers = []
    for name in ("Zed Later", "Abe Sooner", "Gone Away"):
        answers.append(posts.add_reply(thread, make_user(display_name=name), f"Answer by {name}.",
                                       parent_id=int(first_id)))
    posts.delete_post(answers[2], answers[2].author)
    page = client.get(url_of(thread)).text
    replies = re.search(r'<p class="replies">(.*?)</p>', page, re.S).group(1)
    assert re.findall(r"<bdi>([^<]+)</bdi>", replies) == ["Zed Later", "Abe Sooner"]
    assert f'href="/p/{answers[0].id}"' in replies and "Gone Away" not in page
