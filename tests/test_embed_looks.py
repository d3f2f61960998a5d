"""Each publisher's colours and font in the comments frame (EMBED_LOOKS, forum/looks.py): read strictly,
served as a stylesheet of the forum's own (the CSP stays strict), and never mixed up between publishers,
even by the guests' page cache."""

import re

import pytest
from sqlalchemy import select

from forum import create_app
from forum.admin.service import settings as saved_settings
from forum.embed import service
from forum.extensions import db
from forum.looks import contrast, parse
from forum.models import Article
from forum.refusals import FieldError
from forum.settings import BY_NAME
from tests.conftest import test_config
from tests.factories import make_category, make_user
from tests.test_embed import frame_ancestors, snippet_page

PUBLISHER, OTHER = "https://news.example", "https://other.example"
PUBLISHERS_LOOK = 'https://news.example accent=#8A1538 background=#fffdf8 text=#222222 font="Iowan Old Style, Georgia"'
OTHERS_LOOK = "https://other.example accent=#1a5e20 dark-accent=#9be59f dark-background=#101410 font=monospace"
APP_CONFIG = {"EMBED_ORIGINS": [PUBLISHER, OTHER], "EMBED_CATEGORY": "articles",
              "EMBED_LOOKS": [PUBLISHERS_LOOK, OTHERS_LOOK]}


def looks_setting(value):
    return BY_NAME["EMBED_LOOKS"].clean(value)


# --- reading a look ------------------------------------------------------------------------------

def test_a_look_is_stored_the_one_way_the_forum_writes_it():
    assert looks_setting("HTTPS://News.Example:443/  text=#222222 accent=#8A1538  font='Georgia,serif'\n\n") == [
        'https://news.example accent=#8a1538 text=#222222 font="Georgia, serif"']
    assert looks_setting([]) == [] and looks_setting("") == []


def test_the_stylesheet_gives_each_theme_its_colours_and_the_font():
    css = parse(PUBLISHER, PUBLISHERS_LOOK.split(" ", 1)[1]).css()
    light = re.search(r'@media not all and \(prefers-color-scheme: dark\) \{ :root \{ ([^}]*) \} \}', css).group(1)
    assert "--accent: #8a1538;" in light and "--bg: #fffdf8;" in light and "--text: #222222;" in light
    assert re.search(r':root\[data-theme="light"\] \{ [^}]*--accent: #8a1538;', css)
    # Dark pages keep the frame's own background and text, with a lighter mix of the accent, readable there.
    dark = re.search(r':root\[data-theme="dark"\] \{ ([^}]*) \}', css).group(1)
    accent = re.search(r"--accent: (#[0-9a-f]{6});", dark).group(1)
    assert "--bg" not in dark and contrast(accent, "#14171a") >= 4.5
    assert ':root { --font: "Iowan Old Style", "Georgia", system-ui, sans-serif; --font-reading: var(--font); }' in css


def test_muted_text_stays_readable_on_the_publishers_background():
    css = parse(PUBLISHER, "background=#ffffff text=#595959").css()  # text just readable (7:1)
    muted = re.search(r"--muted: (#[0-9a-f]{6});", css).group(1)
    assert contrast(muted, "#ffffff") >= 4.5


@pytest.mark.parametrize("rest, reason", [
    ("accent=red", "six hexadecimal digits"),
    ("accent=#fff", "six hexadecimal digits"),
    ("accent=#0b5cad;}body{display:none", "six hexadecimal digits"),
    ("background=#ffffff;--x:url(//evil.example/x)", "six hexadecimal digits"),
    ('font="Georgia; } body { display: none"', "font must be"),
    ('font="Georgia\\", evil"', "font must be"),
    ("font=Georgia}", "font must be"),
    ("font=</style><script>alert(1)</script>", "font must be"),
    ('font="url(https://evil.example/f.woff)"', "font must be"),
    ('font="a, b, c, d, e"', "font must be"),
    ('font=""', "font must be"),
    ('font="Georgia', "quotation mark"),
    ("colour=#000000", "is not one of"),
    ("accent", "is not one of"),
    ("accent=#8a1538 accent=#8a1538", "given twice"),
    ("text=#cccccc", "text would have a contrast of 1.5:1"),
    ("accent=#ffcc00", "links would have a contrast"),
    ("dark-background=#ffffff", "In dark mode, text would have"),
    ("dark-background=#5a5a5a", "In dark mode, links would have a contrast of 3.3:1 (#7cb7ff on #5a5a5a); they "
                                "need 4.5:1 to be readable. Give dark-accent."),
])
def test_anything_that_is_not_a_look_is_refused_with_a_reason(rest, reason):
    with pytest.raises(FieldError, match=re.escape(reason)):
        parse(PUBLISHER, rest)
    with pytest.raises(FieldError, match=re.escape(reason)):
        looks_setting(f"{PUBLISHER} {rest}")


@pytest.mark.parametrize("line, reason", [
    ("news.example accent=#8a1538", "not a site address"),
    ("https://news.example/path accent=#8a1538", "not a site address"),
    ("https://news.example accent=#8a1538\nhttps://NEWS.example text=#000000", "two lines"),
])
def test_each_line_names_one_site_once(line, reason):
    with pytest.raises(FieldError, match=reason):
        looks_setting(line)


def test_a_wrong_look_in_the_configuration_stops_the_start(database_url, _schema):
    with pytest.raises(ValueError, match="EMBED_LOOKS: https://news.example: accent must be"):
        create_app(test_config(database_url, EMBED_LOOKS=["https://news.example accent=blue"]))


def test_the_admin_sets_the_looks_on_the_settings_page(admin_client):
    refused = admin_client.submit("/admin/settings", {"embed_looks": "https://a.example text=#eeeeee"})
    assert refused.status_code == 422 and "text would have a contrast of 1.1:1" in refused.text
    assert "https://a.example text=#eeeeee</textarea>" in refused.text  # what was typed comes back as typed
    assert admin_client.submit("/admin/settings", {"embed_looks": "https://a.example  font=serif"}).status_code == 302
    assert "https://a.example font=&#34;serif&#34;</textarea>" in admin_client.get("/admin/settings").text
    assert service.look_for("https://a.example").font == ("serif",)


# --- in the frame --------------------------------------------------------------------------------

@pytest.fixture
def articles(client, publisher_pages):
    """Two publishers' articles, each with its thread: {origin: frame address}."""
    make_category(slug="articles", name="Articles")
    make_user(role="admin", username="editor")
    frames = {}
    for origin in (PUBLISHER, OTHER):
        url = f"{origin}/2026/story"
        publisher_pages[url] = snippet_page(url)
        frames[origin] = client.get("/embed/article", query_string={"url": url, "theme": "dark"}).headers["Location"]
    return frames


@pytest.fixture
def publisher_pages(monkeypatch):
    pages = {}
    monkeypatch.setattr(service, "fetch_page", lambda url, timeout: pages[url])
    return pages


def stylesheet_of(page):
    found = re.findall(r'<link rel="stylesheet" href="(/embed/look/[0-9a-f]{16}\.css)">', page.text)
    assert len(found) <= 1
    return found[0] if found else None


def test_each_publisher_gets_its_own_look_and_framing_even_from_the_page_cache(client, articles):
    """Two publishers, two articles: the guests' page cache keeps each frame apart, with its own
    stylesheet and its own frame-ancestors, however often it answers from memory."""
    answers = {origin: [] for origin in articles}
    for _ in range(3):
        for origin, frame in articles.items():
            answers[origin].append(client.get(frame))
    for origin, pages in answers.items():
        assert [page.headers["X-Page-Cache"] for page in pages] == ["miss", "hit", "hit"]
        assert {stylesheet_of(page) for page in pages} == {stylesheet_of(pages[0])}
        assert all(frame_ancestors(page) == origin for page in pages)
    mine, theirs = (client.get(stylesheet_of(answers[origin][0])) for origin in (PUBLISHER, OTHER))
    assert "#8a1538" in mine.text and "Iowan Old Style" in mine.text and "#1a5e20" not in mine.text
    assert "#9be59f" in theirs.text and "monospace" in theirs.text and "#8a1538" not in theirs.text
    assert mine.mimetype == "text/css" and "immutable" in mine.headers["Cache-Control"]


def test_a_changed_look_reaches_the_frames_kept_for_guests(app, client, articles, admin):
    frame = articles[PUBLISHER]
    before = stylesheet_of(client.get(frame))
    assert client.get(frame).headers["X-Page-Cache"] == "hit"
    saved_settings.save(admin, {"EMBED_LOOKS": looks_setting(f"{PUBLISHER} accent=#14532d\n{OTHERS_LOOK}")})
    page = client.get(frame)
    assert page.headers["X-Page-Cache"] == "miss" and stylesheet_of(page) not in (None, before)
    assert "#14532d" in client.get(stylesheet_of(page)).text
    assert client.get(before).status_code == 404  # the old look is gone


def test_a_publisher_without_a_look_has_the_forums_own(app, client, articles, admin):
    saved_settings.save(admin, {"EMBED_LOOKS": looks_setting(PUBLISHERS_LOOK)})
    assert stylesheet_of(client.get(articles[OTHER])) is None
    assert stylesheet_of(client.get(articles[PUBLISHER])) is not None
    assert client.get("/embed/look/0123456789abcdef.css").status_code == 404


def test_the_frame_with_a_look_keeps_its_strict_policy(client, articles):
    page = client.get(articles[PUBLISHER])
    policy = page.headers["Content-Security-Policy"]
    assert "style-src 'self';" in policy and "unsafe-inline" not in policy
    assert "<style" not in page.text and ' style="' not in page.text
    assert db.session.scalar(select(Article).where(Article.origin == PUBLISHER)) is not None
