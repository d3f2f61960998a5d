"""What the comments under articles must never allow (issue 17's security tests): any page but an embed
one framed, an embed page framed by any site but its article's publisher, and a thread started for a
site that is not configured, by any of the embed's addresses."""

import re

import pytest
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from forum.embed import service
from forum.extensions import db
from forum.models import Thread
from tests import test_embed
from tests.test_embed import APP_CONFIG, ARTICLE, PUBLISHER  # noqa: F401 (APP_CONFIG: for conftest's app)
from tests.factories import make_reply

setup, publisher_pages, article_thread = test_embed.setup, test_embed.publisher_pages, test_embed.article_thread
STRANGER = "https://stranger.example"


def get_routes(app, thread, post):
    """Every GET rule of the app with its arguments filled in with real ones where it has any."""
    values = {"thread_id": thread.id, "post_id": post.id, "user_id": thread.author_id, "slug": thread.slug,
              "username": thread.author.username}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        args = {name: values.get(name, 1 if isinstance(converter, IntegerConverter) else "x")
                for name, converter in rule._converters.items()}
        with app.test_request_context():
            yield rule, app.url_for(rule.endpoint, **args)


def framing(response):
    return re.search(r"frame-ancestors ([^;]+)", response.headers["Content-Security-Policy"]).group(1)


@pytest.mark.parametrize("who", ["guest", "admin"])
def test_no_page_but_an_embed_page_may_be_framed_by_anyone(app, client, article_thread, admin, who):
    """Every GET route, as a guest and as an admin, asked as if from inside a publisher's frame:
    all refuse to be framed (CSP and X-Frame-Options) but /embed/…, which its own publisher alone may."""
    post = make_reply(article_thread, body="A comment.")
    if who == "admin":
        client.sign_in(admin)
    seen, framed = 0, []
    for rule, url in get_routes(app, article_thread, post):
        if rule.endpoint == "auth.logout" or rule.rule.startswith("/metrics"):
            continue
        response = client.get(url, query_string={"url": ARTICLE},
                              headers={"Referer": f"{PUBLISHER}/2026/budget-vote", "Sec-Fetch-Dest": "iframe"})
        response.close()
        seen += 1
        ancestors = framing(response)
        if rule.endpoint.startswith("embed."):
            assert ancestors in ("'none'", PUBLISHER), (url, ancestors)
            if ancestors != "'none'":
                framed.append(rule.endpoint)
                assert "X-Frame-Options" not in response.headers
        else:
            assert ancestors == "'none'" and response.headers["X-Frame-Options"] == "DENY", (url, response.status)
    assert seen > 60, seen
    assert "embed.show" in framed


@pytest.mark.parametrize("path", ["/embed/article", "/embed/go", "/embed/fragment", "/embed/counts"])
def test_a_site_not_configured_starts_no_thread_by_any_embed_address(client, setup, publisher_pages, path):
    stranger_article = f"{STRANGER}/2026/story"
    publisher_pages[stranger_article] = test_embed.snippet_page(stranger_article)
    before = db.session.scalar(select(func.count(Thread.id)))
    for url in (stranger_article, f"{STRANGER.upper()}:443/2026/story", f"{PUBLISHER}@stranger.example/x"):
        response = client.get(path, query_string={"url": url},
                              headers={"Origin": STRANGER, "Referer": stranger_article})
        assert response.status_code in (200, 400, 403), (url, response.status_code)
        assert framing(response) == "'none'"
        assert "Access-Control-Allow-Origin" not in response.headers
    assert db.session.scalar(select(func.count(Thread.id))) == before
    assert publisher_pages.read == []  # the forum never even read the stranger's page
    assert service.find_article(stranger_article) is None
