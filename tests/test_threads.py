"""Thread lists, thread pages and starting threads, as pages and as fragments."""

from datetime import timedelta

import pytest

from forum.database import write_transaction
from forum.extensions import db
from forum.models import Post, Thread
from forum.models.base import utcnow
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
