"""Atom feeds: well-formed, escaped, public names only, and never anything a guest may not read."""

import xml.etree.ElementTree as ET

import pytest

from forum.moderation.service import threads as thread_moderation
from forum.pagination import Page
from forum.posts import service as posts
from forum.threads.service import thread_posts
from forum.posts import service as posts_service
from tests.factories import make_category, make_reply, make_thread, make_user

ATOM = "{http://www.w3.org/2005/Atom}"


def feed(client, url, **kwargs):
    """GET a feed, check it is Atom, and return the parsed document."""
    response = client.get(url, **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert response.text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    return root


def entries(root):
    return root.findall(f"{ATOM}entry")


def text_of(element, name):
    return element.find(f"{ATOM}{name}").text


def titles(root):
    return [text_of(entry, "title") for entry in entries(root)]


def opening_post(thread):
    return thread_posts(thread, Page(number=1, per_page=1, total=1))[0]


@pytest.fixture
def lounge(app):
    """A members-only category with a thread and a reply in it."""
    category = make_category(slug="lounge", name="Lounge", members_only=True)
    thread = make_thread(category=category, title="Secret coffee plans", body="Meet at nine, lounge only.")
    make_reply(thread, body="I will bring the lounge-only buns.")
    return category, thread


def test_latest_feed_lists_new_threads_newest_first_with_their_opening_post(client):
    general = make_category(slug="general", name="General")
    make_thread(category=general, title="First thread", body="The very first words.")
    second = make_thread(category=general, title="Second thread", body="Some *second* words.")
    root = feed(client, "/feeds/latest.atom")
    assert text_of(root, "title") == "Latest threads · Forum"
    assert text_of(root, "id") == "http://localhost/feeds/latest.atom"
    assert titles(root) == ["Second thread", "First thread"]
    newest = entries(root)[0]
    assert text_of(newest, "id") == f"http://localhost/t/{second.id}"
    assert newest.find(f"{ATOM}link").get("href") == f"http://localhost/t/{second.id}-second-thread"
    assert newest.find(f"{ATOM}category").get("term") == "general"
    content = newest.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert content.text.strip() == "<p>Some <em>second</em> words.</p>"
    assert text_of(root, "updated") == text_of(newest, "updated")


def test_feed_has_at_most_25_entries(client):
    category = make_category()
    for n in range(27):
        make_thread(category=category, title=f"Thread number {n}")
    assert len(entries(feed(client, "/feeds/latest.atom"))) == 25


def test_an_empty_feed_is_still_valid_atom(client):
    root = feed(client, "/feeds/latest.atom")
    assert entries(root) == []
    assert text_of(root, "updated") == "1970-01-01T00:00:00Z"


def test_hostile_text_is_escaped_so_the_feed_still_parses(client):
    author = make_user(display_name="Ann <b>&amp; Co</b>")
    thread = make_thread(author=author, title="Tom & Jerry <script>alert(1)</script>",
                         body="Fish & chips <script>alert('x')</script> <img src=x onerror=alert(1)>")
    make_reply(thread, body="Control\x01 characters & \x0bmore")
    for url in ("/feeds/latest.atom", f"/t/{thread.id}/feed.atom"):
        response = client.get(url)
        assert "<script" not in response.text and "<img" not in response.text
        ET.fromstring(response.data)  # control characters dropped, everything else escaped
    latest = entries(feed(client, "/feeds/latest.atom"))[0]
    assert text_of(latest, "title") == "Tom & Jerry <script>alert(1)</script>"
    assert latest.find(f"{ATOM}author/{ATOM}name").text == "Ann <b>&amp; Co</b>"
    html = text_of(latest, "content")  # the sanitised HTML, as text: a reader renders it as HTML
    assert "Fish &amp; chips" in html and "&lt;script&gt;" in html and "<script" not in html
    newest_post = entries(feed(client, f"/t/{thread.id}/feed.atom"))[0]
    assert text_of(newest_post, "content").strip() == "<p>Control characters &amp; more</p>"


def test_authors_appear_under_their_public_name_only(client):
    rhonda = make_user(display_name="Rhonda Bird", name_style="short")
    thread = make_thread(author=rhonda, title="Names")
    client.sign_in(rhonda)  # even the author, signed in, gets the public feed
    for url in ("/feeds/latest.atom", f"/t/{thread.id}/feed.atom"):
        response = client.get(url)
        assert "Rhonda B." in response.text and "Bird" not in response.text, url


def test_category_feed_holds_only_that_categorys_threads(client):
    general, other = make_category(slug="general", name="General", description="Talk & more"), make_category()
    make_thread(category=general, title="In general")
    make_thread(category=other, title="Elsewhere")
    root = feed(client, "/c/general/feed.atom")
    assert titles(root) == ["In general"]
    assert text_of(root, "title") == "General · Forum"
    assert text_of(root, "subtitle") == "Talk & more"
    assert client.get("/c/nowhere/feed.atom").status_code == 404


def test_thread_feed_holds_its_latest_posts_newest_first(client):
    thread = make_thread(title="Busy thread", body="Opening words.")
    make_reply(thread, author=make_user(display_name="Rosa Reply"), body="Second words.")
    make_reply(thread, body="Third words.")
    make_reply(make_thread(), body="A reply somewhere else.")
    root = feed(client, f"/t/{thread.id}/feed.atom")
    contents = [text_of(entry, "content").strip() for entry in entries(root)]
    assert contents == ["<p>Third words.</p>", "<p>Second words.</p>", "<p>Opening words.</p>"]
    assert titles(root)[1] == "Rosa Reply in “Busy thread”"
    assert text_of(entries(root)[1], "id").startswith("http://localhost/p/")
    assert client.get("/t/999999/feed.atom").status_code == 404


def test_removed_posts_are_left_out_even_as_placeholders(client):
    author = make_user()
    thread = make_thread(author=author, title="Deleting", body="Opening text stays out.")
    kept = make_reply(thread, body="This reply stays.")
    gone = make_reply(thread, author=author, body="Regret this reply.")
    posts.delete_post(gone, author)
    posts.delete_post(opening_post(thread), author)
    thread_feed = client.get(f"/t/{thread.id}/feed.atom").text
    assert "This reply stays." in thread_feed and f"/p/{kept.id}<" in thread_feed
    assert "Regret" not in thread_feed and "Opening text" not in thread_feed and "deleted" not in thread_feed
    latest = entries(feed(client, "/feeds/latest.atom"))[0]
    assert text_of(latest, "title") == "Deleting"
    assert latest.find(f"{ATOM}content") is None


def test_removed_threads_are_in_no_feed(client):
    category = make_category(slug="general")
    thread = make_thread(category=category, title="Removed thread", body="Gone text.")
    make_thread(category=category, title="Kept thread")
    thread_moderation.remove(make_user(role="moderator"), thread, "Spam.")
    client.sign_in(make_user(role="admin"))  # staff see removed threads on pages, never in feeds
    for url in ("/feeds/latest.atom", "/c/general/feed.atom"):
        assert titles(feed(client, url)) == ["Kept thread"], url
    assert client.get(f"/t/{thread.id}/feed.atom").status_code == 404


def test_members_only_content_is_in_no_feed_even_for_a_signed_in_member(client, lounge):
    category, thread = lounge
    make_thread(title="Public thread")
    for signed_in in (False, True):
        if signed_in:
            client.sign_in(make_user())
        latest = client.get("/feeds/latest.atom").text
        assert "Public thread" in latest
        assert "Secret coffee" not in latest and "lounge" not in latest.lower()
        for url in ("/c/lounge/feed.atom", f"/t/{thread.id}/feed.atom"):
            response = client.get(url)
            assert response.status_code == 403, url
            assert "Secret coffee" not in response.text and "lounge only" not in response.text
            assert "feed readers cannot sign in" in response.text


def test_conditional_get_answers_304_while_nothing_changed(client):
    thread = make_thread(title="Polled")
    url = f"/t/{thread.id}/feed.atom"
    first = client.get(url)
    assert first.headers["ETag"] and "Last-Modified" not in first.headers
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    reply = make_reply(thread, body="Something new.")
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and "Something new." in again.text
    posts_service.delete_post(reply, reply.author)  # a removal changes no date, but the feed all the same
    after_removal = client.get(url, headers={"If-None-Match": again.headers["ETag"]})
    assert after_removal.status_code == 200 and "Something new." not in after_removal.text


def test_pages_link_their_feed_in_the_head(client, lounge):
    make_category(slug="general", name="General")
    head = client.get("/").text.split("</head>")[0]
    assert '<link rel="alternate" type="application/atom+xml" title="Latest threads (Atom feed)" ' \
           'href="/feeds/latest.atom">' in head
    assert 'href="/c/general/feed.atom"' in client.get("/c/general").text.split("</head>")[0]
    client.sign_in(make_user())
    lounge_head = client.get("/c/lounge").text.split("</head>")[0]
    assert "application/atom+xml" not in lounge_head  # members-only: there is no feed to offer
    assert "application/atom+xml" not in client.fragment("/?page=1").text
