"""Comments under a publisher's article, in a real browser: the publisher's page on a second origin
(another port of 127.0.0.1) embeds the thread, a member signs in from the frame and comments, quotes
and sees live replies, the count snippet on the article list shows the new count; without JavaScript
the snippet's link leads to the thread on the forum. Framing from any other origin, or of any page
but /embed/…, is refused by the browser; the host's script reads messages from the forum's frame alone."""

import http.server
import re
import threading
from contextlib import contextmanager
from html import escape
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Article, Thread, User
from forum.posts import service as posts
from tests.browser.visitor import Console, Visitor, sign_in
from tests.factories import make_reply, make_user

pytestmark = pytest.mark.browser

TITLE = "The budget vote, explained"
SHOTS = "embed"


@contextmanager
def publisher_site(pages_for):
    """A publisher's site on its own port: `pages_for(origin)` gives {path: html}."""
    class Site(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path.split("?")[0])
            if self.path == "/favicon.ico":
                self.send_response(204)
                self.end_headers()
                return
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write((body or "<!doctype html><title>Not found</title>").encode())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Site)
    origin = f"http://127.0.0.1:{server.server_port}"
    pages = pages_for(origin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield origin
    finally:
        server.shutdown()
        server.server_close()


def news_pages(forum):
    def pages(origin):
        article = f"{origin}/2026/budget-vote"
        return {
            "/2026/budget-vote": f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{TITLE} · Harbour News</title>
<link rel="canonical" href="{article}"></head>
<body><main><article><h1>{TITLE}</h1><p>The council votes on Tuesday. Here is what is at stake.</p></article>
<section id="comments"><h2>Comments</h2>
<script src="{forum}/static/js/embed.js" data-url="{article}" data-title="{escape(TITLE)}" async></script>
<noscript><a href="{forum}/embed/go?url={quote(article, safe='')}">Read and write comments</a></noscript>
</section></main></body></html>""",
            "/": f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Harbour News</title></head>
<body><main><h1>Harbour News</h1><ul><li><a href="/2026/budget-vote">{TITLE}</a>
<a id="count" href="/2026/budget-vote#comments" data-forum-comments="{article}">Comments</a></li></ul>
<script src="{forum}/static/js/comment-count.js" async></script></main></body></html>""",
        }
    return pages


def hostile_pages(forum, embed_path, thread_path):
    def pages(origin):
        return {"/": f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Elsewhere</title></head>
<body><iframe id="embed" title="embed" src="{forum}{embed_path}"></iframe>
<iframe id="thread" title="thread" src="{forum}{thread_path}"></iframe></body></html>"""}
    return pages


@pytest.fixture
def embedding(live_app, live_server):
    """The forum allows the publisher's origin; its articles' threads go in the test category."""
    live_app.config["LIVE_POLL_SECONDS"] = 1
    with live_app.app_context():
        make_user(role="admin", username="editor", display_name="The Editor")
        make_user(username="susan", display_name="Susan Tate")
        make_user(username="lou", display_name="Lou Dobbs")
    with publisher_site(news_pages(live_server)) as publisher:
        live_app.config["EMBED_ORIGINS"], live_app.config["EMBED_CATEGORY"] = [publisher], "general"
        yield publisher


def comments(page):
    return page.frame_locator("iframe.forum-comments")


def test_a_reader_signs_in_from_the_frame_comments_quotes_and_sees_the_count(
        live_app, live_server, embedding, new_context, axe_check, screenshot):
    publisher = embedding
    console = Console()
    susan = Visitor(new_context(True), True, name="susan", console=console)
    susan.page.goto(f"{publisher}/2026/budget-vote")
    frame = comments(susan.page)
    expect(frame.get_by_text("No comments yet.")).to_be_visible()
    with live_app.app_context():  # the first view started the thread, with the publisher's title
        article = db.session.scalar(db.select(Article))
        thread_id = article.thread_id
        assert article.thread.title == TITLE and article.origin == publisher
        lous = make_reply(db.session.get(Thread, thread_id), author=db.session.scalar(db.select(User).filter_by(
            username="lou")), body="The numbers do not add up: the harbour fund is counted twice.").id
    susan.page.reload()
    expect(frame.get_by_text("counted twice")).to_be_visible()
    screenshot(susan.page, "guest-sees-the-comments")

    console.step = "signing in from the frame"
    with susan.page.context.expect_page() as opened:
        frame.get_by_role("link", name="Sign in to comment").click()
    window = opened.value  # a page of the forum, at the top: not framed
    sign_in(window, username="susan")
    expect(window.get_by_role("heading", name="You are signed in")).to_be_visible()
    screenshot(window, "signed-in-window")
    window.close()
    susan.page.bring_to_front()
    # What coming back to the frame does (headless Chromium gives no window focus by itself).
    susan.page.locator("iframe.forum-comments").element_handle().content_frame().evaluate(
        "window.dispatchEvent(new Event('focus'))")
    frame.locator("#reply-body").wait_for()  # the frame reloaded itself, signed in
    # and its scripts ran: a Quote clicked before them is a plain link, which fills no composer
    susan.page.locator("iframe.forum-comments").element_handle().content_frame().wait_for_load_state("load")

    console.step = "quoting and commenting"
    height_before = susan.page.locator("iframe.forum-comments").bounding_box()["height"]
    frame.locator("a.quote-action").first.click()
    expect(frame.locator("#reply-body")).to_have_value(
        f"> [Lou Dobbs](/p/{lous}) wrote:\n> The numbers do not add up: the harbour fund is counted twice.\n\n")
    frame.locator("#reply-body").press("End")
    # The composer keeps a draft as one types: let it land before replying, so the reply is the last
    # word (the draft is sent url-encoded or, with the image field, as multipart: "page+4" or "page 4").
    with susan.page.expect_response(lambda answer: "/draft" in answer.url
                                    and re.search(r"page[+ ]4", answer.request.post_data or "")):
        frame.locator("#reply-body").type("Lou D, it is counted once: read page 4.")
    frame.get_by_role("button", name="Reply", exact=True).click()
    mine = frame.locator("#posts > article").last
    expect(mine).to_contain_text("it is counted once")
    expect(mine.locator("blockquote")).to_contain_text("counted twice")
    susan.page.wait_for_function(
        f"document.querySelector('iframe.forum-comments').getBoundingClientRect().height > {height_before + 40}")
    axe_check(susan.page, "the article with the comments frame")
    screenshot(susan.page, "member-commented-in-the-frame")

    console.step = "live replies"
    with live_app.app_context():
        posts.add_reply(db.session.get(Thread, thread_id), db.session.scalar(db.select(User).filter_by(username="lou")),
                        "Fair enough, Susan T.")
    frame.get_by_role("button", name="1 new reply — show").click()
    expect(frame.locator("#posts > article").last).to_contain_text("Fair enough")

    console.step = "the count"
    susan.page.goto(f"{publisher}/")
    count = susan.page.locator("#count")
    expect(count).to_have_text("3 comments")
    expect(count).to_have_attribute("data-comment-count", "3")
    screenshot(susan.page, "article-list-with-the-count")
    # Chromium ignores the autofocus attribute in a cross-origin frame and says so in the console: the
    # new post htmx swaps in keeps its place, only the focus stays where it was.
    errors = [error for error in console.errors if "Blocked autofocusing" not in error]
    assert errors == [], errors


def test_dark_host_and_phone_width(live_app, live_server, embedding, new_context, screenshot):
    publisher = embedding
    page = new_context(True, color_scheme="dark", viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{publisher}/2026/budget-vote")
    frame = comments(page)
    expect(frame.get_by_text("No comments yet.")).to_be_visible()
    background = frame.locator("body").evaluate("b => getComputedStyle(b).backgroundColor")
    assert background == "rgb(20, 23, 26)"  # the dark theme's --bg
    screenshot(page, "phone-dark")


def test_without_javascript_the_link_leads_to_the_thread_on_the_forum(
        live_app, live_server, embedding, new_context, screenshot, axe_check):
    publisher = embedding
    reader = Visitor(new_context(False), False)
    reader.page.goto(f"{publisher}/2026/budget-vote")
    reader.page.get_by_role("link", name="Read and write comments").click()
    expect(reader.page.get_by_role("heading", name=TITLE)).to_be_visible()
    assert reader.page.url.startswith(f"{live_server}/t/")
    thread_url = reader.page.url
    reader.sign_in(live_server, "susan")
    reader.page.goto(thread_url)
    reader.page.get_by_label("Your reply").fill("Commenting on the forum itself.")
    reader.page.get_by_role("button", name="Reply", exact=True).click()
    expect(reader.page.locator("#posts > article").last).to_contain_text("Commenting on the forum itself.")
    axe_check(reader.page, "the article's thread without JavaScript")
    screenshot(reader.page, "no-js-commented-on-the-forum")


def test_framing_is_refused_from_other_origins_and_for_other_pages(
        live_app, live_server, embedding, new_context, screenshot):
    publisher = embedding
    page = new_context(True).new_page()
    page.goto(f"{publisher}/2026/budget-vote")
    expect(comments(page).get_by_text("No comments yet.")).to_be_visible()
    with live_app.app_context():
        thread = db.session.scalar(db.select(Article)).thread
        embed_path, thread_path = f"/embed/t/{thread.id}-{thread.slug}", f"/t/{thread.id}-{thread.slug}"

    with publisher_site(hostile_pages(live_server, embed_path, thread_path)) as elsewhere:
        refused = []
        page.on("console", lambda message: "frame-ancestors" in message.text and refused.append(message.text))
        page.goto(f"{elsewhere}/")
        page.wait_for_timeout(1000)
        for name in ("embed", "thread"):
            assert page.frame_locator(f"#{name}").locator("#posts").count() == 0, name
        assert len(refused) == 2, refused
        screenshot(page, "framing-refused-elsewhere")

    # The publisher itself may frame the comments page, not the forum's own thread page.
    page.goto(f"{publisher}/2026/budget-vote")
    expect(comments(page).get_by_text("No comments yet.")).to_be_visible()
    page.evaluate(f"""() => {{ const f = document.createElement('iframe'); f.id = 'thread';
                             f.src = '{live_server}{thread_path}'; document.body.append(f); }}""")
    page.wait_for_timeout(1000)
    assert page.frame_locator("#thread").locator("#posts").count() == 0


def test_the_host_reads_size_messages_from_the_forums_frame_alone(live_app, live_server, embedding, new_context):
    publisher = embedding
    page = new_context(True).new_page()
    page.goto(f"{publisher}/2026/budget-vote")
    expect(comments(page).get_by_text("No comments yet.")).to_be_visible()
    frame = page.locator("iframe.forum-comments")
    page.wait_for_timeout(300)
    before = frame.evaluate("f => f.style.height")
    page.evaluate("window.postMessage({type: 'forum:height', height: 4321}, '*')")  # the host's own origin
    page.evaluate("""() => { const other = document.createElement('iframe');
        other.srcdoc = "<script>parent.postMessage({type: 'forum:height', height: 4321}, '*')<\\/script>";
        document.body.append(other); }""")
    page.wait_for_timeout(500)
    assert frame.evaluate("f => f.style.height") == before != "4321px"
