"""Comments under publishers' articles (forum/embed/): which addresses may have a thread, starting it
from the publisher's own page, the frame only the publisher may show, and the comment counts."""

import http.server
import re
import threading

import pytest
from sqlalchemy import func, select

from forum import create_app
from forum.embed import service
from forum.extensions import db
from forum.models import Article, Thread
from forum.settings import BY_NAME
from forum.refusals import FieldError
from tests.conftest import HTMX, test_config
from tests.factories import make_category, make_reply, make_user

PUBLISHER = "https://news.example"
OTHER = "https://other.example"
ARTICLE = f"{PUBLISHER}/2026/budget-vote"
APP_CONFIG = {"EMBED_ORIGINS": [PUBLISHER, OTHER], "EMBED_CATEGORY": "articles"}


def snippet_page(url=ARTICLE, title="The budget vote, explained"):
    return (f'<!doctype html><html><head><title>Site title | {title}</title></head><body><h1>{title}</h1>'
            f'<script src="https://forum.example/static/js/embed.js" data-url="{url}" data-title="{title}" async>'
            f'</script></body></html>')


@pytest.fixture
def setup(app):
    """The article category and an admin to start article threads."""
    return make_category(slug="articles", name="Articles"), make_user(role="admin", username="editor")


@pytest.fixture
def publisher_pages(monkeypatch):
    """The publisher's pages as the forum reads them: {url: html}; records each address read."""
    read = []

    def fetch(url, timeout):
        read.append(url)
        if url not in pages:
            raise service.Unreachable("The article's page answered 404, so its comments cannot be started.")
        return pages[url]

    monkeypatch.setattr(service, "fetch_page", fetch)
    pages = Pages()
    pages.read = read
    return pages


class Pages(dict):
    """The publisher's pages by address, and `read`: the addresses the forum read, in order."""

    read: list


@pytest.fixture
def article_thread(client, setup, publisher_pages):
    publisher_pages[ARTICLE] = snippet_page()
    answer = client.get("/embed/article", query_string={"url": ARTICLE})
    assert answer.status_code == 303, answer.text
    return db.session.scalar(select(Article).where(Article.url == ARTICLE)).thread


def threads_count():
    return db.session.scalar(select(func.count(Thread.id)))


def frame_ancestors(response):
    return re.search(r"frame-ancestors ([^;]+)", response.headers["Content-Security-Policy"]).group(1)


# --- the setting ---------------------------------------------------------------------------------

def test_origins_are_cleaned_to_scheme_host_and_port():
    setting = BY_NAME["EMBED_ORIGINS"]
    assert setting.clean("https://News.Example/\nhttp://127.0.0.1:8080, https://news.example:443") == [
        "https://news.example", "http://127.0.0.1:8080"]
    assert setting.clean([]) == [] and setting.clean("") == []


@pytest.mark.parametrize("wrong", ["news.example", "javascript:alert(1)", "https://news.example/articles",
                                   "https://user:pw@news.example", "ftp://news.example", "https://news.example?x=1",
                                   "https://news.example:99999"])
def test_an_origin_that_is_not_one_is_refused_with_a_reason(wrong):
    with pytest.raises(FieldError, match="not a site address"):
        BY_NAME["EMBED_ORIGINS"].clean(wrong)


def test_a_wrong_origin_in_the_configuration_stops_the_start(database_url, _schema):
    with pytest.raises(ValueError, match="EMBED_ORIGINS"):
        create_app(test_config(database_url, EMBED_ORIGINS=["news.example/path"]))


def test_the_admin_sets_the_origins_on_the_settings_page(admin_client):
    page = admin_client.get("/admin/settings")
    assert 'name="embed_origins"' in page.text
    refused = admin_client.submit("/admin/settings", {"embed_origins": "https://news.example/path"})
    assert refused.status_code == 422 and "is not a site address" in refused.text
    assert admin_client.submit("/admin/settings", {"embed_origins": "https://a.example\nhttps://b.example"}
                               ).status_code == 302
    assert "https://a.example\nhttps://b.example</textarea>" in admin_client.get("/admin/settings").text
    assert service.allowed_origins() == ["https://a.example", "https://b.example"]


# --- finding or starting an article's thread ------------------------------------------------------

def test_the_first_visit_starts_the_thread_from_the_publishers_page(client, setup, publisher_pages):
    category, editor = setup
    publisher_pages[ARTICLE] = snippet_page()
    answer = client.get("/embed/article", query_string={"url": ARTICLE, "title": "Chosen by a visitor",
                                                        "theme": "dark"})
    assert answer.status_code == 303
    article = db.session.scalar(select(Article))
    assert article.url == ARTICLE and article.origin == PUBLISHER
    thread = article.thread
    assert thread.title == "The budget vote, explained"  # the publisher's title, never the visitor's
    assert thread.category_id == category.id and thread.author_id == editor.id
    assert answer.headers["Location"].endswith(f"/embed/t/{thread.id}-{thread.slug}?theme=dark")
    assert frame_ancestors(answer) == PUBLISHER and "X-Frame-Options" not in answer.headers
    assert publisher_pages.read == [ARTICLE]


def test_later_visits_find_the_thread_without_reading_the_page_again(client, article_thread, publisher_pages):
    for address in (ARTICLE, ARTICLE + "#comments", "HTTPS://NEWS.EXAMPLE:443/2026/budget-vote"):
        answer = client.get("/embed/article", query_string={"url": address})
        assert answer.status_code == 303
        assert f"/embed/t/{article_thread.id}-" in answer.headers["Location"]
    assert publisher_pages.read == [ARTICLE] and threads_count() == 1


def test_an_origin_not_configured_cannot_start_a_thread(client, setup, publisher_pages):
    stranger = "https://stranger.example/story"
    publisher_pages[stranger] = snippet_page(stranger)
    answer = client.get("/embed/article", query_string={"url": stranger})
    assert answer.status_code == 403 and "not one whose articles" in answer.text
    assert frame_ancestors(answer) == "'none'" and answer.headers["X-Frame-Options"] == "DENY"
    assert threads_count() == 0 and publisher_pages.read == []


@pytest.mark.parametrize("wrong", ["", "/2026/story", "javascript:alert(1)//news.example", "news.example/story",
                                   "https://news.example/" + "a" * 500])
def test_a_malformed_address_is_a_400(client, setup, publisher_pages, wrong):
    answer = client.get("/embed/article", query_string={"url": wrong})
    assert answer.status_code == 400 and "whole address" in answer.text
    assert threads_count() == 0


def test_a_page_without_the_snippet_for_that_address_starts_nothing(client, setup, publisher_pages):
    """A visitor cannot have threads made for any address of an allowed site: only for pages that
    carry the publisher's snippet naming that very address."""
    made_up = f"{PUBLISHER}/search?q=anything"
    publisher_pages[made_up] = snippet_page(ARTICLE)  # the page shows another article's comments
    publisher_pages[ARTICLE + "-2"] = "<html><title>No comments here</title></html>"
    for address in (made_up, ARTICLE + "-2"):
        answer = client.get("/embed/article", query_string={"url": address})
        assert answer.status_code == 403 and "does not show comments from this forum" in answer.text
    missing = client.get("/embed/article", query_string={"url": f"{PUBLISHER}/no-such-page"})
    assert missing.status_code == 502 and "answered 404" in missing.text
    assert threads_count() == 0


def test_without_a_category_no_thread_is_started(client, publisher_pages):
    make_user(role="admin")
    publisher_pages[ARTICLE] = snippet_page()
    answer = client.get("/embed/article", query_string={"url": ARTICLE})
    assert answer.status_code == 409 and "not set up" in answer.text
    assert threads_count() == 0


def test_checking_articles_is_rate_limited(client, setup, publisher_pages):
    for n in range(20):
        assert client.get("/embed/article", query_string={"url": f"{PUBLISHER}/n{n}"}).status_code == 502
    assert client.get("/embed/article", query_string={"url": f"{PUBLISHER}/n21"}).status_code == 429


def test_the_noscript_link_leads_to_the_thread_on_the_forum(client, setup, publisher_pages):
    publisher_pages[ARTICLE] = snippet_page()
    answer = client.get("/embed/go", query_string={"url": ARTICLE})
    thread = db.session.scalar(select(Article)).thread
    assert answer.status_code == 303 and answer.headers["Location"] == f"/t/{thread.id}-{thread.slug}"


def test_the_forum_reads_the_page_itself_without_following_redirects(app):
    """fetch_page against a real HTTP server: 200 is read, a redirect or an error is Unreachable."""
    class Publisher(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/moved":
                self.send_response(302)
                self.send_header("Location", "/article")
                self.end_headers()
                return
            self.send_response(200 if self.path == "/article" else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(snippet_page("x").encode())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Publisher)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        assert "data-url" in service.fetch_page(f"{base}/article", 5)
        for path, reason in (("/moved", "302"), ("/gone", "404")):
            with pytest.raises(service.Unreachable, match=reason):
                service.fetch_page(f"{base}{path}", 5)
    finally:
        server.shutdown()
        server.server_close()


def test_the_title_comes_from_the_snippet_else_the_page(app):
    assert service.snippet_title(snippet_page(title="From the snippet"), ARTICLE) == "From the snippet"
    page = (f'<title>Page title</title><meta property="og:title" content="Open Graph title">'
            f'<script src="/static/js/embed.js" data-url="{ARTICLE}"></script>')
    assert service.snippet_title(page, ARTICLE) == "Open Graph title"


# --- the frame -----------------------------------------------------------------------------------

def test_the_frame_shows_the_comments_and_only_the_publisher_may_frame_it(client, article_thread):
    reader = make_user(display_name="Susan T")
    make_reply(article_thread, author=reader, body="Lou D, the numbers do not add up.")
    page = client.get(f"/embed/t/{article_thread.id}-{article_thread.slug}")
    assert page.status_code == 200
    assert frame_ancestors(page) == PUBLISHER and "X-Frame-Options" not in page.headers
    assert "Lou D, the numbers do not add up." in page.text
    assert "Comments on the article" not in page.text  # the opening post only links to the article
    assert f'data-embed-origin="{PUBLISHER}"' in page.text and '<base target="_blank">' in page.text
    assert f'href="/t/{article_thread.id}-{article_thread.slug}"' in page.text  # the whole conversation
    assert "Sign in to comment" in page.text and "/login?next=/embed/signed-in" in page.text


def test_code_in_a_comment_is_coloured_in_the_frame_too(client, article_thread):
    make_reply(article_thread, author=make_user(), body="```python\nprint('the budget')\n```")
    page = client.get(f"/embed/t/{article_thread.id}-{article_thread.slug}")
    assert 'class="highlight"' in page.text or "<span class=" in page.text
    assert "/static/css/highlight.css" in page.text


def test_every_other_page_still_refuses_to_be_framed(client, article_thread):
    for path in (f"/t/{article_thread.id}-{article_thread.slug}", "/", "/login", "/embed/counts",
                 "/embed/nowhere"):
        response = client.get(path)
        assert frame_ancestors(response) == "'none'", path
        assert response.headers["X-Frame-Options"] == "DENY", path


def test_a_thread_that_is_no_articles_has_no_frame(client, setup):
    from tests.factories import make_thread
    thread = make_thread()
    response = client.get(f"/embed/t/{thread.id}-{thread.slug}")
    assert response.status_code == 404 and frame_ancestors(response) == "'none'"


def test_each_publisher_frames_its_own_articles_only_even_from_the_page_cache(client, setup, publisher_pages):
    other_article = f"{OTHER}/story"
    publisher_pages[ARTICLE], publisher_pages[other_article] = snippet_page(), snippet_page(other_article)
    frames = []
    for address in (ARTICLE, other_article):
        frames.append(client.get("/embed/article", query_string={"url": address}).headers["Location"])
    for _ in range(2):  # rendered, then answered from the guests' page cache
        first, second = client.get(frames[0]), client.get(frames[1])
        assert frame_ancestors(first) == PUBLISHER and frame_ancestors(second) == OTHER
        assert "X-Frame-Options" not in first.headers and "X-Frame-Options" not in second.headers
        nonce = re.search(r'<script nonce="([^"]+)"', first.text).group(1)
        assert f"'nonce-{nonce}'" in first.headers["Content-Security-Policy"]
    assert first.headers["X-Page-Cache"] == "hit"


def test_the_theme_the_host_asks_for_is_kept_apart_in_the_page_cache(client, article_thread):
    address = f"/embed/t/{article_thread.id}-{article_thread.slug}"
    for _ in range(2):
        assert 'data-theme="dark"' in client.get(address, query_string={"theme": "dark"}).text
        assert "data-theme" not in client.get(address).text
    assert 'data-theme' not in client.get(address, query_string={"theme": "<evil>"}).text


def test_a_member_comments_in_the_frame(client, article_thread):
    member = make_user(display_name="Rhonda Bird")
    client.sign_in(member)
    page = client.get(f"/embed/t/{article_thread.id}-{article_thread.slug}")
    assert 'id="reply-form"' in page.text and "Sign in to comment" not in page.text
    assert page.headers["Cache-Control"] == "no-store"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    key = re.search(r'name="request_key"[^>]*value="([^"]+)"', page.text).group(1)
    answer = client.post(f"/t/{article_thread.id}/reply", headers=HTMX,
                         data={"csrf_token": token, "request_key": key, "body": "Posted from the frame."})
    assert answer.status_code == 201 and "Posted from the frame." in answer.text
    assert "Posted from the frame." in client.get(f"/embed/t/{article_thread.id}-{article_thread.slug}").text


def test_the_frame_pages_through_the_comments_latest_first(app, client, article_thread):
    app.config["POSTS_PER_PAGE"] = 2
    for n in range(5):  # with the opening post, three pages of two
        make_reply(article_thread, body=f"Comment number {n}.")
    address = f"/embed/t/{article_thread.id}-{article_thread.slug}"
    latest = client.get(address).text
    assert "Comment number 4." in latest and "Comment number 3." in latest and "Comment number 2." not in latest
    assert f'target="_self" href="{address}?page=2"' in latest and 'id="reply-heading"' in latest
    first = client.get(address, query_string={"page": 1}).text
    assert "Comment number 0." in first and "Comment number 1." not in first and "Later comments" in first
    assert client.get(address, query_string={"page": 9}).status_code == 404


def test_signing_in_from_the_frame_ends_on_a_page_that_sends_the_reader_back(client):
    client.sign_in(make_user())
    assert "You are signed in" in client.get("/embed/signed-in").text


# --- comment counts ------------------------------------------------------------------------------

def test_counts_for_many_articles_in_one_cacheable_request(client, article_thread, queries):
    make_reply(article_thread)
    make_reply(article_thread)
    queries.clear()
    answer = client.get("/embed/counts", query_string=[("url", ARTICLE), ("url", f"{PUBLISHER}/none"),
                                                        ("url", "https://stranger.example/x"), ("url", "junk")],
                        headers={"Origin": PUBLISHER})
    assert answer.json == {"counts": {ARTICLE: 2, f"{PUBLISHER}/none": 0, "https://stranger.example/x": 0,
                                      "junk": 0}}
    assert len(queries) == 1
    assert "public" in answer.headers["Cache-Control"] and "max-age=60" in answer.headers["Cache-Control"]
    assert answer.headers["Access-Control-Allow-Origin"] == PUBLISHER and "Origin" in answer.headers["Vary"]


def test_counts_are_shared_with_configured_publishers_only(client, article_thread):
    answer = client.get("/embed/counts", query_string={"url": ARTICLE}, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_the_frames_pages_are_valid_html(app, client, article_thread, tmp_path):
    from tests.test_valid_html import vnu_errors
    make_reply(article_thread, body="> quoted\n\nA comment with a [link](https://example.com).")
    address = f"/embed/t/{article_thread.id}-{article_thread.slug}"
    pages = {"guest": client.get(address).text, "guest, dark": client.get(address, query_string={"theme": "dark"}).text}
    client.sign_in(make_user(role="moderator"))
    pages.update({"moderator": client.get(address).text, "signed in": client.get("/embed/signed-in").text})
    assert vnu_errors(pages, tmp_path) == []


@pytest.mark.parametrize("third_party, testing, samesite", [(True, False, "None"), (False, False, "Lax"),
                                                            (True, True, "Lax")])
def test_cookies_are_sent_inside_the_frame_only_when_asked_for_and_over_https(database_url, _schema, third_party,
                                                                             testing, samesite):
    """SameSite=None only with EMBED_THIRD_PARTY_COOKIES, and only where cookies are Secure (not on local http)."""
    app = create_app(test_config(database_url, TESTING=testing, EMBED_THIRD_PARTY_COOKIES=third_party))
    assert app.config["SESSION_COOKIE_SAMESITE"] == app.config["REMEMBER_COOKIE_SAMESITE"] == samesite
    if samesite == "None":
        assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
