"""The Markdown members know from GitHub and Discourse (issue 15): tables, task lists, footnotes,
strikethrough, spoilers, coloured code and emoji — each as the reader sees it, and through the same
allow-list as everything else (tests/test_render.py holds them to its rules and hostile inputs)."""

import re
import time
from pathlib import Path

import pytest

from forum.database import write_transaction
from forum.extensions import db
from forum.models import Post
from forum.posts import service as posts
from forum.posts.forms import BODY_MAX
from forum.posts.service import highlight, shortcodes
from forum.posts.service.plain import excerpt_of, text_of
from forum.posts.service.render import RENDER_VERSION, render_body
from tests.conftest import HTMX
from tests.factories import make_thread, make_user
from tests.test_render import assert_safe, parse, within_budget

ROOT = Path(__file__).resolve().parent.parent


def html_of(body: str) -> str:
    html = render_body(body).html
    assert_safe(html)
    return html


# --- Tables, task lists, strikethrough --------------------------------------------------------------

def test_a_pipe_table_is_a_table_with_its_columns_aligned_by_class():
    html = html_of("| Item | Qty | Note |\n|:--|--:|:-:|\n| Tea | 12 | *hot* |\n| Cake | 3 | ~~none~~ |")
    assert '<div class="table-scroll" tabindex="0"><table>' in html
    assert '<th class="align-left">Item</th>' in html and '<th class="align-right">Qty</th>' in html
    assert '<td class="align-right">12</td>' in html and '<td class="align-center"><em>hot</em></td>' in html
    assert "<s>none</s>" in html
    assert "style" not in html  # the CSP would refuse it, and the sanitiser drops it


def test_a_table_without_its_delimiter_row_stays_text():
    assert "<table" not in html_of("| a | b |\n| c | d |")


def test_task_lists_show_disabled_checkboxes_labelled_by_their_text():
    html = html_of("- [ ] write tests\n- [x] ship it\n- not a task")
    assert '<ul class="contains-task-list">' in html
    assert re.search(r'<li class="task-list-item"><label><input [^>]+> write tests</label></li>', html)
    assert re.search(r'<label><input [^>]*checked="checked"[^>]*> ship it</label>', html)
    boxes = [attrs for tag, attrs in parse(html).elements if tag == "input"]
    assert [set(attrs) for attrs in boxes] == [{"class", "type", "disabled"}, {"class", "type", "disabled", "checked"}]
    assert all(attrs["type"] == "checkbox" for attrs in boxes)


# --- Footnotes ----------------------------------------------------------------------------------

def test_footnotes_link_both_ways_inside_the_post():
    html = html_of("Tea[^1] and cake[^cake].\n\n[^1]: Green.\n[^cake]: Lemon, *warm*.")
    ids = set(re.findall(r'id="([^"]+)"', html))
    targets = {href[1:] for href in re.findall(r'href="(#[^"]+)"', html)}
    assert len(ids) == 4 and targets == ids  # every reference and every way back has its target
    assert re.search(r'<li id="fn-[0-9a-f]{8}-2" class="footnote-item"><p>Lemon, <em>warm</em>\. '
                     r'<a href="#fnref-[0-9a-f]{8}-2" class="footnote-backref" aria-label="Back to reference 2"', html)


def test_two_posts_footnotes_never_share_an_id():
    """A thread page shows many posts: the same footnote number in two of them must not collide."""
    body = "Note[^1].\n\n[^1]: The note."
    first, second = html_of(body), html_of(body)
    assert set(re.findall(r'id="([^"]+)"', first)).isdisjoint(re.findall(r'id="([^"]+)"', second))


def test_footnote_links_on_a_thread_page_reach_their_own_post(client):
    thread = make_thread(body="Opening[^1].\n\n[^1]: First post's note.")
    posts.add_reply(thread, make_user(), "Reply[^1].\n\n[^1]: Second post's note.")
    page = client.get(f"/t/{thread.id}", follow_redirects=True).text
    ids = re.findall(r'id="(fn[^"]+)"', page)
    assert len(ids) == 4 and len(set(ids)) == 4
    for href in re.findall(r'href="#(fn[^"]+)"', page):
        assert href in ids


def test_a_link_to_any_other_fragment_is_dropped():
    html = html_of("[top](#top) [skip](#main) [fake](#fn-1)")
    assert "href" not in html


# --- Spoilers -----------------------------------------------------------------------------------

def test_a_spoiler_is_a_details_element_that_opens_without_javascript():
    html = html_of(":::spoiler\nBruce Willis was **dead**\n:::")
    assert html == ('<details class="spoiler"><summary>Spoiler</summary>\n'
                    "<p>Bruce Willis was <strong>dead</strong></p>\n</details>\n")


def test_a_spoiler_may_say_what_it_hides_and_that_stays_text():
    html = html_of(":::spoiler The <b>ending</b> of book 3\nThey win.\n:::")
    assert "<summary>The &lt;b&gt;ending&lt;/b&gt; of book 3</summary>" in html


def test_an_excerpt_shows_a_spoilers_summary_not_what_it_hides():
    html = html_of("Loved it.\n\n:::spoiler Ending\nThe butler did it.\n:::")
    assert excerpt_of(html) == "Loved it. Ending"
    assert "butler" in text_of(html)  # search still finds it


# --- Coloured code ------------------------------------------------------------------------------

def test_fenced_code_in_a_known_language_is_coloured_with_classes_only():
    html = html_of('```python\ndef greet(name):\n    return f"<b>{name}</b>"  # hi\n```')
    assert html.startswith('<pre class="highlight" tabindex="0"><code><span class="k">def</span>')
    assert '<span class="nf">greet</span>' in html and '<span class="c1"># hi</span>' in html
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert "style=" not in html


@pytest.mark.parametrize("info", ["", "nosuchlanguage", "brainfuck", "text"])
def test_code_in_an_unknown_language_is_plain(info):
    assert html_of(f"```{info}\nx = <y>\n```") == '<pre tabindex="0"><code>x = &lt;y&gt;\n</code></pre>\n'


def test_languages_are_matched_by_their_first_word_in_any_case():
    assert html_of("```JS title=app.js\nlet x = 1;\n```").startswith('<pre class="highlight" ')


def test_code_that_would_take_too_long_to_colour_is_plain():
    """Java's lexer is quadratic on "a a a …": 20,000 characters of it take seconds. Colouring stops when
    the post's time is spent, and the block shows plain, at once."""
    code = "\n".join(["a " * 400] * 24)
    html = within_budget(lambda: html_of(f"```java\n{code}\n```\n\n```java\nint x = 1;\n```"))
    assert html.startswith('<pre tabindex="0"><code>a a a')
    assert html.count('<pre class="highlight" ') == 0  # the time was spent: the next block is plain too


def test_the_time_is_shared_by_the_posts_blocks(monkeypatch):
    monkeypatch.setattr(highlight, "HIGHLIGHT_SECONDS", 0.0)
    assert html_of("```python\nx = 1\n```").startswith('<pre tabindex="0"><code>x = 1')


def test_a_workers_first_use_of_a_language_is_not_charged_to_the_post(monkeypatch):
    """Making a language's lexer the first time (its import, its expressions compiled) took longer than the
    post's time for CSS under load, and the demo's first coloured post stayed plain for good."""
    make_lexer = highlight._lexer

    def slow_first_use(name):
        spent = time.thread_time() + highlight.HIGHLIGHT_SECONDS * 2
        while time.thread_time() < spent:  # CPU time, as the clock counts it
            pass
        return make_lexer(name)

    monkeypatch.setattr(highlight, "_lexer", slow_first_use)
    css = "\n".join(f".note-{n} {{ color: #333; margin: 0 auto; }}" for n in range(20))  # hundreds of tokens
    assert html_of(f"```css\n{css}\n```").startswith('<pre class="highlight" ')


def test_a_line_too_long_to_read_is_plain():
    minified = "var a=1;" * (highlight.LINE_MAX // 8 + 1)
    assert html_of(f"```js\n{minified}\n```").startswith('<pre tabindex="0"><code>var a=1;')
    assert html_of(f"```js\n{minified[:highlight.LINE_MAX]}\n```").startswith('<pre class="highlight" ')


def test_the_committed_stylesheet_is_what_the_generator_makes():
    """static/css/highlight.css is generated (highlight.py says how): a change to the styles without
    regenerating it fails here."""
    assert (ROOT / "static/css/highlight.css").read_text() == highlight.stylesheet()


@pytest.mark.parametrize("background", [highlight.LIGHT_BACKGROUND, highlight.DARK_BACKGROUND])
def test_every_colour_in_the_stylesheet_reads_at_wcag_aa(background):
    css = highlight.stylesheet()
    light, dark = css.split("@media (prefers-color-scheme: dark)")
    colours = re.findall(r"color: (#[0-9a-f]{6})", light if background == highlight.LIGHT_BACKGROUND else dark)
    assert len(colours) > 30
    for colour in colours:
        assert highlight.contrast(highlight._rgb(colour), highlight._rgb(background)) >= 4.5, colour


def test_the_code_background_is_the_one_the_stylesheet_was_made_for():
    css = (ROOT / "static/css/forum.css").read_text()
    assert f"--quote-bg: {highlight.LIGHT_BACKGROUND};" in css and f"--quote-bg: {highlight.DARK_BACKGROUND};" in css
    assert re.search(r"\.post-body pre \{[^}]*background: var\(--quote-bg\)", css)


# The units that made some lexer slowest (bench/render_bench.py tries more): unterminated strings, words,
# separators, comments.
HOSTILE_CODE = ['"\\', "a ", ":", "<!--", "#{"]


@pytest.mark.parametrize("lexer", sorted({name for name in highlight.LANGUAGES.values() if name}))
def test_every_language_colours_hostile_code_within_the_render_budget(lexer):
    """Each lexer is a set of regular expressions: none may be made slow by what a member writes, in
    lines as long as may be coloured or in one line as long as a post."""
    alias = next(alias for alias, name in highlight.LANGUAGES.items() if name == lexer)
    for unit in HOSTILE_CODE:
        line = (unit * highlight.LINE_MAX)[:highlight.LINE_MAX]
        for code in ("\n".join([line] * (BODY_MAX // (highlight.LINE_MAX + 1) - 1)), (unit * BODY_MAX)[:BODY_MAX - 20]):
            within_budget(lambda: render_body(f"```{alias}\n{code}\n```"))  # noqa: B023 (run at once)


# --- Emoji --------------------------------------------------------------------------------------

def test_shortcodes_become_emoji_outside_code_and_bare_urls():
    html = html_of("Thanks :+1: :tada: :thumbsup:! `:smile:` [so :heart:](https://a.example/) "
                   "https://a.example/:smile: :no_such_emoji: 10:30:00\n\n```\n:smile:\n```")
    assert "Thanks 👍 🎉 👍!" in html
    assert "<code>:smile:</code>" in html and '<pre tabindex="0"><code>:smile:\n</code></pre>' in html
    assert ">so ❤️</a>" in html
    assert ">https://a.example/:smile:</a>" in html
    assert ":no_such_emoji: 10:30:00" in html


def test_emoji_in_footnotes_and_tables_too():
    html = html_of("| a |\n|---|\n| :smile: |\n\nx[^1]\n\n[^1]: :tada:")
    assert "<td>😄</td>" in html and "🎉" in html


def test_suggestions_start_with_names_that_begin_with_what_was_typed():
    names = [name for name, _ in shortcodes.suggest("smi")]
    assert names[0] == "smile" and all(name.startswith("smi") for name in names)
    assert len(names) == shortcodes.SUGGESTIONS
    eyes = [name for name, _ in shortcodes.suggest("eyes")]
    assert eyes[0] == "eyes" and "heart_eyes" in eyes  # a later word of a name matches too
    assert shortcodes.suggest("") == [] and shortcodes.suggest("<script>") == [] and shortcodes.suggest("zzzzq") == []


def test_suggestions_are_fast():
    started = time.perf_counter()
    for typed in ("s", "sm", "smi", "hea", "th", "+1", "cat", "x"):
        shortcodes.suggest(typed)
    assert time.perf_counter() - started < 0.5


def test_emoji_suggestions_as_a_fragment_and_as_a_page(client):
    client.sign_in(make_user())
    fragment = client.get("/emoji/suggest?q=tad", headers=HTMX)
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    assert fragment.text.lstrip().startswith('<ul class="suggestions" role="listbox" aria-label="Emoji">')
    assert 'data-insert=":tada:"' in fragment.text and "🎉" in fragment.text
    assert "<html" not in fragment.text
    page = client.get("/emoji/suggest?q=tad")
    assert page.status_code == 200 and page.text.startswith("<!doctype html>") and ":tada:" in page.text
    nothing = client.get("/emoji/suggest?q=%3Cscript%3E", headers=HTMX)
    assert nothing.status_code == 200 and "No emoji match" in nothing.text and "<script>" not in nothing.text


def test_the_reply_box_asks_for_emoji_where_it_asks_for_members(client):
    thread = make_thread()
    client.sign_in(make_user())
    page = client.get(f"/t/{thread.id}", follow_redirects=True).text
    assert 'data-emoji-url="/emoji/suggest"' in page and 'data-suggest-url="/members/suggest"' in page


# --- Stored HTML and its version -------------------------------------------------------------------

def test_posts_written_before_this_syntax_render_again_with_it(app):
    """Posts keep the HTML they were stored with; the bumped version is what `flask forum rerender`
    looks for, so an old post with a table becomes a table."""
    thread = make_thread()
    post = posts.add_reply(thread, make_user(), "| a | b |\n|---|---|\n| 1 | 2 |\n\n:::spoiler\nx\n:::")
    assert "<table>" in post.body_html and post.render_version == RENDER_VERSION >= 5
    with write_transaction() as session:
        row = session.get(Post, post.id)
        row.body_html, row.render_version = "<p>| a | b |</p>", RENDER_VERSION - 1
    result = app.test_cli_runner().invoke(args=["forum", "rerender"])
    assert result.exit_code == 0 and "Rendered 1 post again." in result.output
    fresh = db.session.get(Post, post.id)
    assert "<table>" in fresh.body_html and '<details class="spoiler">' in fresh.body_html
    assert fresh.render_version == RENDER_VERSION
