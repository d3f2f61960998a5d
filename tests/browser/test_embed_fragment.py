"""Comments in the article's own HTML, in a real browser: the publisher's server (a second origin on
127.0.0.1) puts GET /embed/fragment in the article as it renders it; without JavaScript the reader sees
those comments, with it the snippet turns them into the live frame, in the publisher's colours, light
or dark, at phone width. The frame follows the host's own theme switch and ignores messages from any
other origin."""

import shutil
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from forum.embed import service
from forum.extensions import db
from forum.models import User
from tests.browser.test_embed import publisher_site
from tests.factories import make_reply, make_user

pytestmark = pytest.mark.browser

TITLE = "The harbour wall, rebuilt"
NOTES_SHOTS = Path("/work/notes/shots/frag")
PAPER, INK = "#fffdf8", "#2b2b2b"
NIGHT, MOON = "#16181d", "#e8e6e3"


class Made(dict):
    """Pages made as they are asked for: `make(path)` gives the HTML, or None (404)."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def get(self, path, default=None):
        return self.make(path)


def site(pages):
    """A site on its own port (test_embed.publisher_site) whose `pages(origin, path)` are made per request."""
    return publisher_site(lambda origin: Made(lambda path: pages(origin, path)))


def article_page(forum, stranger=None):
    """The publisher's article, with the comments fragment fetched from the forum as the page is made
    (server to server), then the snippet. /dark/… is the same article on a dark page."""
    def pages(origin, path):
        if path.split("?")[0] not in ("/2026/harbour-wall", "/dark/2026/harbour-wall"):
            return None
        article = f"{origin}/2026/harbour-wall"
        try:
            with urllib.request.urlopen(f"{forum}/embed/fragment?url={quote(article, safe='')}", timeout=5) as answer:
                fragment = answer.read().decode()
        except urllib.error.HTTPError:
            fragment = ""  # no comments yet: the snippet alone
        dark = path.startswith("/dark/")
        other = f'<iframe id="stranger" title="An advert" src="{stranger}/ad"></iframe>' if stranger else ""
        return f"""<!doctype html><html lang="en"{' class="dark"' if dark else ''}><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{TITLE} · Harbour News</title>
<link rel="canonical" href="{article}">
<style>
  :root {{ color-scheme: light; background: {PAPER}; color: {INK}; font: 18px/1.55 Georgia, serif; }}
  :root.dark {{ color-scheme: dark; background: {NIGHT}; color: {MOON}; }}
  a {{ color: #8a1538; }} :root.dark a {{ color: #f2a7bd; }}
  body {{ max-width: 40rem; margin: 0 auto; padding: 1rem; }}
  iframe#stranger {{ width: 300px; height: 60px; border: 1px dashed; }}
</style></head>
<body><main><article><h1>{TITLE}</h1><p>The council finished the wall on Friday, two years late.</p></article>
<section id="comments">{fragment}
<script src="{forum}/static/js/embed.js" data-url="{article}" data-title="{TITLE}" async></script>
</section>{other}</main></body></html>"""
    return pages


@pytest.fixture
def publisher(live_app, live_server):
    """The publisher's site, allowed, with its colours and font; its article's thread has two comments."""
    with site(article_page(live_server)) as origin:
        configure(live_app, origin)
        yield origin


def configure(live_app, origin):
    live_app.config.update(EMBED_ORIGINS=[origin], EMBED_CATEGORY="general", EMBED_LOOKS=[
        f'{origin} accent=#8a1538 background={PAPER} text={INK} dark-accent=#f2a7bd dark-background={NIGHT} '
        f'dark-text={MOON} font="Georgia, serif"'])
    with live_app.app_context():
        make_user(role="admin", username="editor", display_name="The Editor")
        lou = make_user(username="lou", display_name="Lou Dobbs")
        thread = service.start_article_thread(f"{origin}/2026/harbour-wall", TITLE).thread
        first = make_reply(thread, author=lou, body="Two years late and **twice** the budget. Who signed this off?")
        make_reply(thread, author=make_user(display_name="Susan Tate"),
                   body=f"> [Lou Dobbs](/p/{first.id}) wrote:\n> Who signed this off?\n\nLou D, the council did, "
                        "in 2024: the minutes are public.")


def keep(shot: Path, name: str) -> None:
    NOTES_SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, NOTES_SHOTS / f"{name}.png")


def comments(page):
    return page.frame_locator("iframe.forum-comments")


@pytest.mark.parametrize("scheme, width", [("light", 1024), ("dark", 390)])
def test_the_fragment_reads_without_javascript_and_becomes_the_live_frame(
        live_app, live_server, publisher, new_context, screenshot, axe_check, scheme, width):
    path = f"{publisher}/{'dark/' if scheme == 'dark' else ''}2026/harbour-wall"
    viewport = {"width": width, "height": 900}

    reader = new_context(False, viewport=viewport, color_scheme=scheme).new_page()
    reader.goto(path)
    fragment = reader.locator("section.forum-fragment")
    expect(fragment.get_by_role("heading", name="Comments 2 comments")).to_be_visible()
    expect(fragment.locator("li")).to_have_count(2)
    expect(fragment.locator("blockquote")).to_contain_text("Who signed this off?")
    link = fragment.get_by_role("link", name="Join the conversation on")
    assert link.get_attribute("href").startswith(f"{live_server}/t/")
    assert reader.locator("iframe").count() == 0
    assert fragment.evaluate("f => f.scrollWidth <= f.clientWidth")  # nothing sticks out at phone width
    axe_check(reader, f"the article with the comments in its HTML ({scheme})")
    keep(screenshot(reader, f"fragment-no-js-{scheme}"), f"fragment-no-js-{scheme}-{width}")
    link.click()
    expect(reader.get_by_role("heading", name=TITLE)).to_be_visible()  # the thread on the forum

    page = new_context(True, viewport=viewport, color_scheme=scheme).new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(path)
    frame = comments(page)
    expect(frame.get_by_text("the minutes are public")).to_be_visible()
    expect(page.locator("section.forum-fragment")).to_have_count(0)  # the frame took its place
    expect(page.locator("iframe.forum-comments")).to_be_visible()
    background = frame.locator("body").evaluate("b => getComputedStyle(b).backgroundColor")
    font = frame.locator("body").evaluate("b => getComputedStyle(b).fontFamily")
    assert background == {"light": "rgb(255, 253, 248)", "dark": "rgb(22, 24, 29)"}[scheme]  # the publisher's
    assert font.startswith("Georgia")
    page.wait_for_function("document.querySelector('iframe.forum-comments').getBoundingClientRect().height > 200")
    keep(screenshot(page, f"live-frame-{scheme}"), f"live-frame-{scheme}-{width}")
    assert errors == [], errors


def test_the_frame_follows_the_hosts_theme_and_ignores_other_origins(live_app, live_server, new_context):
    """A page on another port inside the article (an advert, say) posts the frame a theme, a sign-in
    and a resize message: nothing happens. The host's own switch to dark reaches the frame."""
    def advert(origin, path):
        return "<!doctype html><title>Advert</title><p>Buy a boat</p>" if path == "/ad" else None

    with site(advert) as stranger, site(article_page(live_server, stranger)) as origin:
        configure(live_app, origin)
        page = new_context(True).new_page()
        page.goto(f"{origin}/2026/harbour-wall")
        expect(comments(page).get_by_text("the minutes are public")).to_be_visible()
        framed = page.locator("iframe.forum-comments").element_handle().content_frame()
        framed.evaluate("window.stillHere = true")
        assert framed.evaluate("document.documentElement.dataset.theme") == "light"
        height = page.locator("iframe.forum-comments").evaluate("f => f.style.height")

        advert_frame = page.locator("iframe#stranger").element_handle().content_frame()
        advert_frame.evaluate("""() => {
            for (let i = 0; i < parent.frames.length; i++) {
                for (const message of [{type: 'forum:theme', theme: 'dark'}, {type: 'forum:signed-in'},
                                       {type: 'forum:sign-in', token: 'x'}, {type: 'forum:height', height: 4321}]) {
                    parent.frames[i].postMessage(message, '*');
                }
            }
            parent.postMessage({type: 'forum:height', height: 4321}, '*');
        }""")
        framed.evaluate("() => new Promise((done) => setTimeout(done, 500))")
        assert framed.evaluate("document.documentElement.dataset.theme") == "light"
        assert framed.evaluate("window.stillHere === true")  # not reloaded
        assert page.locator("iframe.forum-comments").evaluate("f => f.style.height") == height != "4321px"

        page.evaluate("document.documentElement.classList.add('dark')")  # the host's own dark-mode switch
        page.wait_for_function("""() => document.querySelector('iframe.forum-comments').style.colorScheme
                                  === 'dark'""")
        expect(comments(page).locator("html")).to_have_attribute("data-theme", "dark")
        background = comments(page).locator("body").evaluate("b => getComputedStyle(b).backgroundColor")
        assert background == "rgb(22, 24, 29)"


def test_an_article_without_comments_yet_has_the_snippet_alone(live_app, live_server, new_context):
    with site(article_page(live_server)) as origin:
        live_app.config.update(EMBED_ORIGINS=[origin], EMBED_CATEGORY="general")
        with live_app.app_context():
            make_user(role="admin", username="editor")
        page = new_context(True).new_page()
        page.goto(f"{origin}/2026/harbour-wall")  # the fragment was a 404: the frame starts the thread
        expect(comments(page).get_by_text("No comments yet.")).to_be_visible()
        with live_app.app_context():
            assert db.session.scalar(db.select(User).filter_by(username="editor")) is not None
