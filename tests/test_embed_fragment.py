"""The latest comments as HTML for the publisher's server to put in the article (GET /embed/fragment,
forum/embed/fragment.py): what a guest sees, no script, links back to the forum, and an ETag that
changes with anything shown, answered 304 while nothing did."""

from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from forum.auth.service import accounts
from forum.database import write_transaction
from forum.extensions import db
from forum.models import Category, Thread
from forum.moderation.service import flags
from forum.moderation.service import threads as thread_moderation
from forum.posts import service as posts
from tests.factories import make_reply, make_user
from tests import test_embed
from tests.test_embed import APP_CONFIG, ARTICLE  # noqa: F401 (APP_CONFIG: the app's, for conftest's app)

# The article and its thread, as test_embed.py starts them.
setup, publisher_pages, article_thread = test_embed.setup, test_embed.publisher_pages, test_embed.article_thread

FRAGMENT = "/embed/fragment"


class Markup(HTMLParser):
    """What a fragment is made of: its tags in order with their attributes, and the text."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def links(self):
        return [attrs[name] for _, attrs in self.tags for name in ("href", "src") if name in attrs]


def fetch(client, **query):
    return client.get(FRAGMENT, query_string={"url": ARTICLE, **query})


def test_the_latest_comments_as_self_contained_html(client, article_thread):
    lou = make_user(display_name="Lou Dobbs")
    first = make_reply(article_thread, author=lou, body="The numbers do not add up, see [the budget](/t/1).")
    make_reply(article_thread, author=make_user(display_name="Susan Tate"),
               body=f"> [Lou Dobbs](/p/{first.id}) wrote:\n> The numbers do not add up\n\nLou D, they do.")
    answer = fetch(client)
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    markup = Markup(answer.text)
    root_tag, root = markup.tags[0]
    assert root_tag == "section" and root["class"] == "forum-fragment" and root["data-forum-fragment"] == ARTICLE
    assert markup.tags[1][0] == "style"
    assert 'data-comment-count="2">2 comments<' in answer.text
    assert "The numbers do not add up" in answer.text and "Lou D, they do." in answer.text
    assert "Comments on the article" not in answer.text  # the opening post only links to the article
    base = "http://localhost"
    thread_address = f"{base}/t/{article_thread.id}-{article_thread.slug}"
    links = markup.links()
    assert thread_address in links and f"{base}/p/{first.id}" in links  # the thread, each post, the quoted one
    assert f"{base}/t/1" in links  # the forum's paths in posts too: on the publisher's page they would be theirs
    assert all(link.startswith(f"{base}/") for link in links), links
    assert answer.headers["X-Robots-Tag"] == "noindex"


def test_the_fragment_runs_nothing(client, article_thread):
    """No script, no event handler, no javascript: address, and its only CSS is scoped under its root."""
    make_reply(article_thread, body='<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) '
                                    '<a href="/x" onclick="alert(1)">y</a> {{ 7*7 }}')
    answer = fetch(client)
    markup = Markup(answer.text)
    assert [tag for tag, _ in markup.tags if tag in ("script", "iframe", "object", "embed", "form", "link")] == []
    assert [(tag, name) for tag, attrs in markup.tags for name in attrs if name.startswith("on")] == []
    assert not any(link.lower().startswith(("javascript:", "data:")) for link in markup.links())
    assert [tag for tag, attrs in markup.tags if "style" in attrs] == []
    style = answer.text.split("<style>", 1)[1].split("</style>", 1)[0]
    rules = [rule.strip() for rule in style.split("}") if "{" in rule]
    selectors = [rule.split("{")[0].split("*/")[-1].strip() for rule in rules]
    assert selectors and all(part.strip().startswith(".forum-fragment")
                             for selector in selectors for part in selector.split(",")), selectors
    text = "".join(markup.text)
    assert "{{ 7*7 }}" in text and " 49" not in text  # shown as written, not worked out (a time may hold "49")


def test_an_unchanged_fragment_is_a_304(client, article_thread):
    make_reply(article_thread, body="First comment.")
    first = fetch(client)
    etag = first.headers["ETag"]
    assert "public" in first.headers["Cache-Control"] and "max-age=60" in first.headers["Cache-Control"]
    again = client.get(FRAGMENT, query_string={"url": ARTICLE}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    other = client.get(FRAGMENT, query_string={"url": ARTICLE, "style": "none"}, headers={"If-None-Match": etag})
    assert other.status_code == 200 and "<style>" not in other.text and other.headers["ETag"] != etag


def changed(client, etag):
    """The fragment now, after checking it is no longer the one tagged `etag`."""
    answer = client.get(FRAGMENT, query_string={"url": ARTICLE}, headers={"If-None-Match": etag})
    assert answer.status_code == 200 and answer.headers["ETag"] != etag
    return answer


@pytest.mark.parametrize("change", ["reply", "edit", "delete", "hide", "name", "lock"])
def test_every_visible_change_gives_a_new_fragment(client, article_thread, change):
    author = make_user(display_name="Rhonda Bird")
    post = make_reply(article_thread, author=author, body="Before the change.")
    etag = fetch(client).headers["ETag"]
    moderator = make_user(role="moderator")
    if change == "reply":
        make_reply(article_thread, body="A new comment.")
    elif change == "edit":
        posts.edit_post(post, author, "After the change.", None)
    elif change == "delete":
        posts.delete_post(post, author)
    elif change == "hide":
        flags.hide_post(moderator, post, "off-topic")
    elif change == "name":
        accounts.update_profile(author, "Rhonda Bird", "short")
    elif change == "lock":
        thread_moderation.lock(moderator, article_thread)
    text = changed(client, etag).text
    expected = {"reply": "A new comment.", "edit": "After the change.", "name": "Rhonda B.",
                "lock": "closed to new ones"}
    if change in expected:
        assert expected[change] in text
    if change in ("edit", "delete", "hide"):
        assert "Before the change." not in text
    if change == "name":
        assert "Rhonda Bird" not in text


def test_an_unknown_article_is_a_404_and_starts_nothing(client, setup, publisher_pages):
    publisher_pages[ARTICLE] = "<html>the snippet would be here</html>"
    before = db.session.scalar(select(func.count(Thread.id)))
    answer = fetch(client)
    assert answer.status_code == 404 and publisher_pages.read == []
    assert db.session.scalar(select(func.count(Thread.id))) == before
    assert client.get(FRAGMENT, query_string={"url": "https://stranger.example/story"}).status_code == 403
    assert client.get(FRAGMENT, query_string={"url": "not an address"}).status_code == 400
    assert client.get(FRAGMENT).status_code == 400


def test_how_many_comments(app, client, article_thread):
    for n in range(4):
        make_reply(article_thread, body=f"Comment number {n}.")
    text = fetch(client, limit=2).text
    assert "Comment number 3." in text and "Comment number 2." in text and "Comment number 1." not in text
    assert text.index("number 2") < text.index("number 3")  # oldest first, as the thread reads
    assert "Read all 4 comments" in text
    for wrong in (0, 51):
        assert fetch(client, limit=wrong).status_code == 400


def test_members_only_comments_are_not_in_the_fragment(client, article_thread):
    make_reply(article_thread, body="Only for members.")
    with write_transaction() as session:
        session.get(Category, article_thread.category_id).members_only = True
    client.sign_in(make_user())  # whoever asks, the fragment is what a guest sees
    text = fetch(client).text
    assert "Only for members." not in text and "Sign in to read them" in text
    assert 'data-comment-count="1"' in text


def test_a_removed_conversation_has_no_fragment(client, article_thread):
    thread_moderation.remove(make_user(role="moderator"), article_thread, "spam")
    assert fetch(client).status_code == 404


def test_the_fragment_is_valid_html(client, article_thread, tmp_path):
    from tests.test_valid_html import vnu_errors
    make_reply(article_thread, body="> quoted\n\nA comment with a [link](https://example.com) and `code`.")
    fragment = fetch(client, style="none").text
    with client.get("/static/css/fragment.css") as css:  # for pages that link it (?style=none)
        assert css.status_code == 200 and ".forum-fragment" in css.text
    page = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>An article</title>'
            '<link rel="stylesheet" href="/static/css/fragment.css"></head><body><main><h1>An article</h1>'
            f'{fragment}</main></body></html>')
    assert vnu_errors({"fragment in an article": page}, tmp_path) == []
