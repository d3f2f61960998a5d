"""Thread lists, thread pages and starting threads, as pages and as fragments."""

import re
from datetime import timedelta

import pytest

from forum.database import write_transaction
from forum.extensions import db
from forum.models import Post, Thread
from forum.models.base import utcnow
from forum.threads import service as threads
from tests.conftest import HTMX
from tests.factories import make_category, make_reply, make_thread, make_user


def age(thread, days):
    with write_transaction() as session:
        session.get(Thread, thread.id).last_post_at = utcnow() - timedelta(days=days)


def test_latest_threads_most_recent_activity_first(client):
    old = make_thread(title="An old thread")
    new = make_thread(title="A new thread")
    age(old, 3)
    age(new, 2)
    make_reply(old, body="bump")  # a reply brings the old thread back to the top
    page = client.get("/").text
    assert page.index("An old thread") < page.index("A new thread")
    assert "1 reply" in page


def test_latest_threads_paginate_with_real_links(app, client):
    category = make_category()
    author = make_user()
    threads = [make_thread(author=author, category=category, title=f"Thread number {n:02}") for n in range(30)]
    for n, thread in enumerate(threads):
        age(thread, 30 - n)  # higher numbers are newer
    first = client.get("/").text
    assert "Thread number 29" in first and "Thread number 04" not in first
    assert '<a rel="next" href="/?page=2">' in first
    second = client.get("/?page=2")
    assert second.status_code == 200
    assert "Thread number 04" in second.text and "Thread number 29" not in second.text
    assert '<a rel="prev" href="/">' in second.text
    assert client.get("/?page=3").status_code == 404
    assert client.get("/?page=junk").status_code == 200  # junk means the first page


def test_thread_list_fragment_is_the_list_alone(client):
    make_thread(title="Only the list")
    response = client.get("/", headers=HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="thread-list">')
    assert "Only the list" in response.text and "<html" not in response.text
    assert "HX-Request-Type" in response.headers["Vary"]


def test_boosted_or_history_request_gets_the_whole_page(client):
    response = client.get("/", headers={"HX-Request": "true", "HX-Request-Type": "full"})
    assert response.text.startswith("<!doctype html>")


def test_category_page_lists_only_its_threads(client):
    news, chat = make_category(name="News", slug="news"), make_category(name="Chat", slug="chat")
    make_thread(category=news, title="Newsworthy")
    make_thread(category=chat, title="Chatty")
    page = client.get("/c/news")
    assert page.status_code == 200
    assert "Newsworthy" in page.text and "Chatty" not in page.text
    assert client.get("/c/nope").status_code == 404


def test_short_and_misspelt_thread_urls_redirect_to_the_canonical_one(client):
    thread = make_thread(title="Café & crème")
    assert thread.slug == "cafe-creme"
    assert client.get(f"/t/{thread.id}").location == f"/t/{thread.id}-cafe-creme"
    assert client.get(f"/t/{thread.id}-wrong?page=1").location == f"/t/{thread.id}-cafe-creme?page=1"
    assert client.get("/t/999999").status_code == 404


def test_thread_page_is_oldest_first_twenty_a_page(client):
    thread = make_thread(body="post 0")
    for n in range(1, 25):
        make_reply(thread, body=f"post {n}")
    first = client.get(f"/t/{thread.id}-{thread.slug}").text
    bodies = [f"<p>post {n}</p>" for n in range(20)]
    positions = [first.index(b) for b in bodies]
    assert positions == sorted(positions)
    assert "<p>post 20</p>" not in first
    assert "Go to the last page to reply" in first
    last = client.get(f"/t/{thread.id}-{thread.slug}?page=2").text
    assert "<p>post 20</p>" in last and "<p>post 24</p>" in last
    assert client.get(f"/t/{thread.id}-{thread.slug}?page=3").status_code == 404


def test_thread_page_posts_fragment(client):
    thread = make_thread(body="opening")
    response = client.get(f"/t/{thread.id}-{thread.slug}", headers=HTMX)
    assert response.text.lstrip().startswith('<div id="posts" class="posts">')
    assert "opening" in response.text


def test_guests_are_invited_to_sign_in_to_reply(client):
    thread = make_thread()
    page = client.get(f"/t/{thread.id}-{thread.slug}").text
    assert 'id="reply-form"' not in page
    assert f'href="/login?next=/t/{thread.id}-{thread.slug}">Sign in</a>' in page


def test_post_bodies_are_escaped_with_paragraphs_kept(client):
    thread = make_thread(body="<script>alert(1)</script>\nline two\n\n<b>para</b>")
    page = client.get(f"/t/{thread.id}-{thread.slug}").text
    assert "<script>alert(1)</script>" not in page
    assert "<p>&lt;script&gt;alert(1)&lt;/script&gt;<br>\nline two</p>\n<p>&lt;b&gt;para&lt;/b&gt;</p>" in page


# Starting a thread


def test_new_thread_form_needs_sign_in(client):
    assert client.get("/new").status_code == 302
    assert client.get("/new", headers=HTMX).status_code == 401


def test_new_thread_form_preselects_the_category(client):
    make_category(slug="news", name="News")
    client.sign_in(make_user())
    page = client.get("/new?category=news").text
    assert '<option selected value="news">News</option>' in page


def test_start_a_thread(client):
    category = make_category(slug="news", name="News")
    author = make_user(display_name="Lou D.")
    client.sign_in(author)
    response = client.submit("/new", {"category": "news", "title": "  Bridge reopens  ", "body": "It is open."})
    thread = db.session.scalar(db.select(Thread))
    assert response.status_code == 302 and response.location == f"/t/{thread.id}-bridge-reopens"
    assert thread.title == "Bridge reopens" and thread.category_id == category.id and thread.post_count == 1
    page = client.get(response.location).text
    assert "Bridge reopens" in page and "It is open." in page and "Your thread is posted." in page


@pytest.mark.parametrize("data, message", [
    ({"category": "news", "title": "", "body": "text"}, "Give your thread a title."),
    ({"category": "news", "title": "ab", "body": "text"}, "Titles are 3 to 150 characters long."),
    ({"category": "news", "title": "A fine title", "body": ""}, "Write something first."),
    ({"category": "", "title": "A fine title", "body": "text"}, "Choose a category."),
    ({"category": "nope", "title": "A fine title", "body": "text"}, "Not a valid choice"),
])
def test_start_a_thread_refuses_bad_input_and_keeps_it(client, data, message):
    make_category(slug="news", name="News")
    client.sign_in(make_user())
    response = client.submit("/new", data)
    assert response.status_code == 422 and message in response.text
    if data["title"]:
        assert f'value="{data["title"]}"' in response.text
    assert db.session.scalar(db.select(db.func.count(Thread.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 0


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_double_clicked_new_thread_is_started_once(client, htmx):
    make_category(slug="news", name="News")
    client.sign_in(make_user())
    form = client.get("/new").text
    key = re.search(r'name="request_key" type="hidden" value="([^"]+)"', form).group(1)
    data = {"category": "news", "title": "Bridge reopens", "body": "It is open.", "request_key": key}
    first = client.submit("/new", data, htmx=htmx)
    second = client.submit("/new", data, htmx=htmx)
    assert db.session.scalar(db.select(db.func.count(Thread.id))) == 1
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 1
    address = f"/t/{db.session.scalar(db.select(Thread.id))}-bridge-reopens"
    if htmx:  # htmx is sent to the thread, never given a redirect it would follow and swap in under /new
        assert (first.status_code, second.status_code) == (201, 200)
        assert first.headers["HX-Redirect"] == second.headers["HX-Redirect"] == address
    else:  # the copy is a 303: the rate limit counts only the 302 of the thread made
        assert (first.status_code, second.status_code) == (302, 303)
        assert first.location == second.location == address


def test_each_new_thread_form_has_its_own_key(client):
    make_category(slug="news", name="News")
    client.sign_in(make_user())
    keys = [re.search(r'name="request_key" type="hidden" value="([^"]+)"', client.get("/new").text).group(1)
            for _ in range(2)]
    assert keys[0] != keys[1] and len(keys[0]) >= 16
    refused = client.submit("/new", {"category": "news", "title": "", "body": "x", "request_key": keys[0]})
    assert refused.status_code == 422 and f'value="{keys[0]}"' in refused.text  # kept for the retry


def test_two_racing_copies_of_a_new_thread_meet_the_unique_key(app):
    """The second copy got past the look for an earlier one: the constraint on the opening post's
    (author, request key) rolls its thread back, and it answers with the first one's thread."""
    author, category = make_user(), make_category()
    first = threads.start_thread(author, category, "Bridge reopens", "It is open.", "key-1")
    second = threads.start_thread(author, category, "Bridge reopens", "It is open.", "key-1")
    assert second.id == first.id
    assert db.session.scalar(db.select(db.func.count(Thread.id))) == 1
    assert threads.start_thread(author, category, "Bridge reopens", "It is open.", "key-2").id != first.id


def test_a_half_written_new_thread_is_kept_until_it_is_posted(client):
    make_category(slug="news", name="News")
    member = make_user()
    client.sign_in(member)
    form = client.get("/new").text
    assert form.count('data-hx-post="/new/draft"') == 3 and "Your unfinished thread" not in form
    saved = client.submit("/new/draft", {"category": "news", "title": "Bridge <reopens>", "body": "It is op"},
                          htmx=True)
    assert saved.status_code == 204
    again = client.get("/new").text
    assert "Your unfinished thread from" in again and '<option selected value="news">' in again
    assert 'value="Bridge &lt;reopens&gt;"' in again and re.search(r">\s*It is op</textarea>", again)
    assert client.submit("/new", {"category": "news", "title": "Bridge reopens", "body": "It is open.",
                                  "request_key": "k"}).status_code == 302
    assert "Your unfinished thread" not in client.get("/new").text
    client.submit("/new/draft", {"category": "news", "title": "Second", "body": ""}, htmx=True)
    assert 'value="Second"' in client.get("/new").text
    client.submit("/new/draft", {"category": "news", "title": " ", "body": ""}, htmx=True)  # emptied: forgotten
    assert "Your unfinished thread" not in client.get("/new").text
    other = make_user()
    assert threads.drafts.thread_draft_for(other) is None


def test_post_authors_link_to_their_profiles_but_a_deleted_one_does_not(client):
    ada = make_user(username="ada", display_name="Ada Lovelace")
    gone = make_user(username="gone", display_name="Gone Member")
    thread = make_thread(author=ada, title="Profiles", body="Opening.")
    make_reply(thread, author=gone, body="A reply from someone who left.")
    with write_transaction() as session:
        session.get(type(gone), gone.id).deleted_at = utcnow()
    page = client.get(f"/t/{thread.id}-{thread.slug}").text
    assert re.search(r'<span class="author"><a href="/u/ada"><bdi>Ada Lovelace</bdi></a>', page)
    assert 'href="/u/gone"' not in page
    client.sign_in(make_user())
    assert '<a href="/u/ada"><bdi>Ada Lovelace</bdi></a>' in client.get(f"/t/{thread.id}-{thread.slug}").text
