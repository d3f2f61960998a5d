"""Signing readers in with the publisher's accounts, in a real browser (issue 17's "done when"): the
publisher's article page on a second origin (another port of 127.0.0.1) embeds the thread and hands
the frame a token it signs for its signed-in reader (PyJWT, the README's example); the reader comments,
quotes another and sees live replies; the article list's count follows. Without JavaScript the
snippet's link leads to the forum, whose "Sign in" goes through the publisher's sign-in page and back
with a token (the top-level redirect). The publisher's sign-out signs the reader out of the forum too."""

import http.server
import json
import re
import threading
import time
import uuid
from contextlib import contextmanager
from html import escape
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import jwt
import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Article, ExternalAccount, Thread, User
from forum.posts import service as posts
from tests.browser.visitor import Console, Visitor
from tests.factories import make_reply, make_user

pytestmark = pytest.mark.browser

TITLE = "The harbour wall, rebuilt"
SECRET = "the publisher's and the forum's shared secret, at least 32 bytes long"
ISSUER = "Harbour News"


def sign(forum, subject="reader-7", name="Rita Reader", email="rita@example.com", **extra):
    """What the publisher's server does (README, "Signing readers in")."""
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": forum, "sub": subject, "name": name, "email": email,
              "iat": now, "exp": now + 120, "jti": uuid.uuid4().hex, **extra}
    return jwt.encode(claims, SECRET, algorithm="HS256")


@contextmanager
def publisher_site(forum):
    """The publisher: an article with the comments snippet, a list with the count snippet, its own
    sign-in page (which sends readers back to the forum with a token), a token endpoint for the frame,
    and its sign-out, which signs the reader out of the forum too. Its reader Rita is signed in there
    until /logout."""
    state = {"signed_in": True}

    class Site(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            if parts.path == "/favicon.ico":
                return self.answer(204, "")
            if parts.path == "/sso-token":  # the snippet's data-sso-url: same-origin, the reader's cookie
                if not state["signed_in"]:
                    return self.answer(401, json.dumps({"error": "not signed in"}), "application/json")
                return self.answer(200, json.dumps({"token": sign(forum)}), "application/json")
            if parts.path == "/login":  # the publisher's sign-in page: here, Rita signs in with one link
                back = query.get("return_to", ["/"])[0]
                state["signed_in"] = True
                link = f"{forum}/sso/jwt?" + urlencode({"token": sign(forum), "return_to": back})
                return self.answer(200, page("Sign in", f'<h1>Harbour News sign-in</h1>'
                                                        f'<p><a href="{escape(link)}">Continue as Rita Reader</a></p>'))
            if parts.path == "/logout":
                state["signed_in"] = False
                target = f"{forum}/sso/logout?" + urlencode({"token": sign(forum, name=""), "return_to": origin + "/"})
                self.send_response(302)
                self.send_header("Location", target)
                self.end_headers()
                return None
            body = pages.get(parts.path)
            return self.answer(200 if body else 404, body or page("Not found", "<h1>Not found</h1>"))

        def answer(self, status, body, kind="text/html; charset=utf-8"):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Site)
    origin = f"http://127.0.0.1:{server.server_port}"
    article = f"{origin}/2026/harbour-wall"
    pages = {
        "/2026/harbour-wall": page(TITLE, f"""<article><h1>{TITLE}</h1><p>Work starts in March.</p></article>
<p><a href="/logout">Sign out of Harbour News</a></p>
<section id="comments"><h2>Comments</h2>
<script src="{forum}/static/js/embed.js" data-url="{article}" data-title="{escape(TITLE)}" data-sso-url="/sso-token"
  async></script>
<noscript><a href="{forum}/embed/go?url={quote(article, safe='')}">Read and write comments</a></noscript>
</section>"""),
        "/plain": page(TITLE, f"""<h1>{TITLE}</h1>
<script src="{forum}/static/js/embed.js" data-url="{article}" async></script>"""),
        "/": page("Harbour News", f"""<h1>Harbour News</h1><ul><li><a href="/2026/harbour-wall">{TITLE}</a>
<a id="count" href="/2026/harbour-wall#comments" data-forum-comments="{article}">Comments</a></li></ul>
<script src="{forum}/static/js/comment-count.js" async></script>"""),
    }
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield origin
    finally:
        server.shutdown()
        server.server_close()


def page(title, body):
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{title} · Harbour News</title></head>'
            f'<body><main>{body}</main></body></html>')


@pytest.fixture
def publisher(live_app, live_server):
    live_app.config.update({"LIVE_POLL_SECONDS": 1, "SSO_ENABLED": True, "SSO_SECRET": SECRET, "SSO_ISSUER": ISSUER,
                            "SSO_AUDIENCE": live_server, "PASSWORD_ACCOUNTS": False})
    with live_app.app_context():
        make_user(role="admin", username="editor", display_name="The Editor")
        make_user(username="lou", display_name="Lou Dobbs")
    with publisher_site(live_server) as origin:
        live_app.config.update({"EMBED_ORIGINS": [origin], "EMBED_CATEGORY": "general",
                                "SSO_LOGIN_URL": f"{origin}/login"})
        yield origin


def comments(page):
    return page.frame_locator("iframe.forum-comments")


def lou(live_app):
    return db.session.scalar(db.select(User).filter_by(username="lou"))


def test_the_publishers_reader_is_signed_in_in_the_frame_comments_quotes_and_sees_the_count(
        live_app, live_server, publisher, new_context, axe_check, screenshot):
    console = Console()
    rita = Visitor(new_context(True), True, name="rita", console=console)
    rita.page.goto(f"{publisher}/2026/harbour-wall")
    frame = comments(rita.page)
    console.step = "signed in by the publisher's token"
    frame.locator("#reply-body").wait_for()  # the frame asked the host for a token and signed in with it
    with live_app.app_context():
        link = db.session.scalar(db.select(ExternalAccount))
        assert (link.issuer, link.subject, link.user.display_name) == (ISSUER, "reader-7", "Rita Reader")
        thread_id = db.session.scalar(db.select(Article)).thread_id
        lous = make_reply(db.session.get(Thread, thread_id), author=lou(live_app),
                          body="The old wall stood for ninety years; this one is budgeted for forty.").id
    assert rita.page.evaluate("Object.keys(localStorage).length + Object.keys(sessionStorage).length") == 0
    rita.page.reload()
    expect(frame.get_by_text("budgeted for forty")).to_be_visible()
    screenshot(rita.page, "signed-in-by-the-publisher")

    console.step = "quoting and commenting"
    frame.locator("a.quote-action").first.click()
    expect(frame.locator("#reply-body")).to_have_value(re.compile(rf"^> \[Lou Dobbs\]\(/p/{lous}\) wrote:"))
    frame.locator("#reply-body").press("End")
    with rita.page.expect_response(lambda answer: "/draft" in answer.url and "forty" in (answer.request.post_data or "")
                                   and "sixty" in (answer.request.post_data or "")):
        frame.locator("#reply-body").type("Forty, then sixty with the upkeep.")
    frame.get_by_role("button", name="Reply", exact=True).click()
    mine = frame.locator("#posts > article").last
    expect(mine).to_contain_text("then sixty")
    expect(mine.locator("blockquote")).to_contain_text("budgeted for forty")
    expect(mine).to_contain_text("Rita Reader")
    axe_check(rita.page, "the article with the comments frame, signed in by the publisher")
    screenshot(rita.page, "commented-in-the-frame")

    console.step = "live replies"
    with live_app.app_context():
        posts.add_reply(db.session.get(Thread, thread_id), lou(live_app), "Fair point, Rita R.")
    frame.get_by_role("button", name="1 new reply — show").click()
    expect(frame.locator("#posts > article").last).to_contain_text("Fair point")

    console.step = "the count"
    rita.page.goto(f"{publisher}/")
    expect(rita.page.locator("#count")).to_have_text("3 comments")
    screenshot(rita.page, "article-list-with-the-count")

    console.step = "the publisher's sign-out"
    rita.page.goto(f"{publisher}/2026/harbour-wall")
    frame.locator("#reply-body").wait_for()
    rita.page.get_by_role("link", name="Sign out of Harbour News").click()
    rita.page.wait_for_url(f"{publisher}/")
    rita.page.goto(f"{publisher}/2026/harbour-wall")
    expect(frame.get_by_role("link", name="Sign in to comment")).to_be_visible()  # and no token to sign in with
    expect(frame.locator("#reply-body")).to_have_count(0)
    screenshot(rita.page, "signed-out-by-the-publisher")
    errors = [error for error in console.errors if "Blocked autofocusing" not in error and "401" not in error]
    assert errors == [], errors


def test_without_javascript_the_reader_signs_in_through_the_publisher_and_comments_on_the_forum(
        live_app, live_server, publisher, new_context, screenshot, axe_check):
    with live_app.app_context():
        author = db.session.scalar(db.select(User).filter_by(username="editor"))
    reader = Visitor(new_context(False), False)
    reader.page.goto(f"{publisher}/2026/harbour-wall")
    reader.page.get_by_role("link", name="Read and write comments").click()
    expect(reader.page.get_by_role("heading", name=TITLE)).to_be_visible()
    thread_url = reader.page.url
    assert thread_url.startswith(f"{live_server}/t/") and author

    reader.page.get_by_role("link", name="Sign in", exact=True).first.click()
    expect(reader.page.get_by_text("Staff: sign in with a password")).to_be_visible()  # password accounts are off
    screenshot(reader.page, "no-js-sign-in-page")
    reader.page.get_by_role("link", name="Sign in with your Harbour News account").click()
    assert reader.page.url.startswith(f"{publisher}/login?return_to=")
    reader.page.get_by_role("link", name="Continue as Rita Reader").click()
    assert reader.page.url == thread_url  # back where the reader was, signed in (the token spent)
    expect(reader.page.get_by_text("Signed in as Rita Reader.")).to_be_visible()
    reader.page.get_by_label("Your reply").fill("Commenting on the forum, signed in by the paper.")
    reader.page.get_by_role("button", name="Reply", exact=True).click()
    expect(reader.page.locator("#posts > article").last).to_contain_text("signed in by the paper")
    axe_check(reader.page, "the thread after signing in through the publisher without JavaScript")
    screenshot(reader.page, "no-js-commented-on-the-forum")

    count_page = new_context(True).new_page()
    count_page.goto(f"{publisher}/")
    expect(count_page.locator("#count")).to_have_text("1 comment")
    screenshot(count_page, "count-after-the-no-js-comment")


def test_the_frame_takes_tokens_from_its_host_page_alone(live_app, live_server, publisher, new_context):
    """A valid token posted to the frame by anything but the host page (here a sandboxed frame beside it,
    of another origin) signs nobody in; the host page without data-sso-… hands none."""
    page = new_context(True).new_page()
    page.goto(f"{publisher}/plain")
    frame = comments(page)
    expect(frame.get_by_role("link", name="Sign in to comment")).to_be_visible()
    page.evaluate("""token => { const other = document.createElement('iframe');
        other.sandbox = 'allow-scripts';
        other.srcdoc = `<script>parent.frames[0].postMessage({type: 'forum:sso', token: '${token}'}, '*')<\\/script>`;
        document.body.append(other); }""", sign(live_server))
    page.wait_for_timeout(1000)
    expect(frame.locator("#reply-body")).to_have_count(0)
    with live_app.app_context():
        assert db.session.scalar(db.select(db.func.count(ExternalAccount.id))) == 0
