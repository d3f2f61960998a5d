"""The Markdown members can write: CommonMark, and what they know from GitHub and Discourse.

Tables, task lists, footnotes and strikethrough (markdown-it-py and mdit-py-plugins), spoilers as a
`:::spoiler` container shown in `<details>` (it opens without JavaScript), fenced code coloured by
Pygments (highlight.py) and `:shortcode:` emoji (shortcodes.py). Raw HTML stays off and images stay
out; render.py sanitises whatever this makes.
"""

import re
import secrets

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markupsafe import escape
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from .highlight import code_block
from .linkify import linkify as bounded_linkify
from .shortcodes import emojize

SPOILER_TITLE_MAX = 80
ALIGN = re.compile(r"text-align:(left|center|right)")


def anchors() -> dict:
    """A new render's env: footnote ids get a prefix of their own ("fn-3fa9c2d1-1"), so two posts on
    one page (a thread, the moderation queue, a preview beside the posts) never share an id."""
    return {"docId": secrets.token_hex(4)}


def _fence(self, tokens, idx, options, env) -> str:
    return code_block(tokens[idx].content, tokens[idx].info, env)


def _spoiler(self, tokens, idx, options, env) -> str:
    """`:::spoiler` or `:::spoiler What happens in the end`: a <details> whose summary says so."""
    token = tokens[idx]
    if token.nesting == -1:
        return "</details>\n"
    title = token.info.strip()[len("spoiler"):].strip()[:SPOILER_TITLE_MAX] or "Spoiler"
    return f'<details class="spoiler"><summary>{escape(title)}</summary>\n'


def _table_open(self, tokens, idx, options, env) -> str:
    # A wide table scrolls inside its post on a phone; the keyboard can scroll it too.
    return '<div class="table-scroll" tabindex="0"><table>\n'


def _table_close(self, tokens, idx, options, env) -> str:
    return "</table></div>\n"


def _footnote_backref(self, tokens, idx, options, env) -> str:
    ident = self.rules["footnote_anchor_name"](tokens, idx, options, env)
    number = ident.rsplit("-", 1)[-1]
    if tokens[idx].meta["subId"] > 0:
        ident += f":{tokens[idx].meta['subId']}"
    return f' <a href="#fnref{ident}" class="footnote-backref" aria-label="Back to reference {number}">\u21a9\ufe0e</a>'


def _alignment_classes(state: StateCore) -> None:
    """A table column's alignment as a class: the sanitiser drops `style`, and the CSP forbids it."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and (style := token.attrGet("style")):
            token.attrs.pop("style")
            if match := ALIGN.fullmatch(str(style)):
                token.attrSet("class", f"align-{match.group(1)}")


def _emoji(state: StateCore) -> None:
    """`:smile:` in the text becomes 😄; not in code, nor in the text of a bare URL."""
    for token in state.tokens:
        if token.type != "inline" or not token.children or ":" not in token.content:
            continue
        in_autolink = False
        for child in token.children:
            if child.type == "link_open":
                in_autolink = child.markup in ("linkify", "autolink")
            elif child.type == "link_close":
                in_autolink = False
            elif child.type == "text" and not in_autolink and ":" in child.content:
                child.content = emojize(child.content)


def parser() -> MarkdownIt:
    markdown = (
        MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False, "breaks": True})
        .enable(["linkify", "strikethrough", "table"])
        .disable("image")  # no hot-linked images: a post cannot make readers' browsers fetch anything
        .use(tasklists_plugin, enabled=False, label=True)
        .use(footnote_plugin)
        .use(container_plugin, name="spoiler", render=_spoiler)
    )
    markdown.inline.ruler.at("linkify", bounded_linkify)
    # Bare "www.example.com" without a scheme is not linked: linkify-it's fuzzy matching backtracks for
    # seconds on hostile input. Every "https://…" is still linked.
    markdown.linkify.set({"fuzzy_link": False})
    markdown.core.ruler.push("table_alignment", _alignment_classes)
    markdown.core.ruler.push("emoji", _emoji)
    markdown.add_render_rule("fence", _fence)
    markdown.add_render_rule("table_open", _table_open)
    markdown.add_render_rule("table_close", _table_close)
    markdown.add_render_rule("footnote_anchor", _footnote_backref)
    return markdown
