"""The Markdown members can write: CommonMark, and what they know from GitHub and Discourse.

Tables, footnotes and strikethrough (markdown-it-py and mdit-py-plugins), task lists, spoilers as a
`:::spoiler` container shown in `<details>` (it opens without JavaScript), fenced code coloured by
Pygments (highlight.py) and `:shortcode:` emoji (shortcodes.py). Raw HTML stays off and images stay
out; render.py sanitises whatever this makes.
"""

import re
import secrets

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import escape
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

from .highlight import code_block, plain_block
from .linkify import linkify as bounded_linkify
from .shortcodes import emojize

SPOILER_TITLE_MAX = 80
ALIGN = re.compile(r"text-align:(left|center|right)")
TASK = re.compile(r"\[([ xX])\][ \t\n\v\f\r]+")  # GitHub's: "[ ]" or "[x]" and white space, first in an item
LISTS = {"bullet_list_open": 1, "ordered_list_open": 1, "bullet_list_close": -1, "ordered_list_close": -1}


def anchors() -> dict:
    """A new render's env: footnote ids get a prefix of their own ("fn-3fa9c2d1-1"), so two posts on
    one page (a thread, the moderation queue, a preview beside the posts) never share an id."""
    return {"docId": secrets.token_hex(4)}


def _fence(self, tokens, idx, options, env) -> str:
    return code_block(tokens[idx].content, tokens[idx].info, env)


def _indented_code(self, tokens, idx, options, env) -> str:
    return plain_block(tokens[idx].content)


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


def _task_lists(state: StateCore) -> None:
    """`- [ ] to do` and `- [x] done`: the item's text labelled by a disabled checkbox, as on GitHub.

    mdit-py-plugins' tasklists rule looks for each item's list by walking back over its siblings, which
    is quadratic: 2,500 "- [x] a" took 0.75 s. This keeps the open lists on a stack instead."""
    tokens, lists = state.tokens, []
    for i, token in enumerate(tokens):
        if token.type in LISTS:
            if LISTS[token.type] > 0:
                lists.append(token)
            else:
                lists.pop()
        elif (token.type == "inline" and i >= 2 and tokens[i - 1].type == "paragraph_open"
              and tokens[i - 2].type == "list_item_open" and token.children and token.children[0].type == "text"
              and (match := TASK.match(token.content))):
            box = Token("html_inline", "", 0)
            checked = ' checked="checked"' if match.group(1) in "xX" else ""
            box.content = f'<input class="task-list-item-checkbox"{checked} disabled="disabled" type="checkbox"> '
            opening, closing = Token("html_inline", "", 0), Token("html_inline", "", 0)
            opening.content, closing.content = "<label>", "</label>"
            first = token.children[0]
            first.content = first.content[match.end():] if first.content.startswith(match.group(0)) else first.content
            token.children = [opening, box, *token.children, closing]
            tokens[i - 2].attrSet("class", "task-list-item")
            lists[-1].attrSet("class", "contains-task-list")


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
        .use(footnote_plugin)
        .use(container_plugin, name="spoiler", render=_spoiler)
    )
    markdown.inline.ruler.at("linkify", bounded_linkify)
    # Bare "www.example.com" without a scheme is not linked: linkify-it's fuzzy matching backtracks for
    # seconds on hostile input. Every "https://…" is still linked.
    markdown.linkify.set({"fuzzy_link": False})
    markdown.core.ruler.push("task_lists", _task_lists)
    markdown.core.ruler.push("table_alignment", _alignment_classes)
    markdown.core.ruler.push("emoji", _emoji)
    markdown.add_render_rule("fence", _fence)
    markdown.add_render_rule("code_block", _indented_code)
    markdown.add_render_rule("table_open", _table_open)
    markdown.add_render_rule("table_close", _table_close)
    markdown.add_render_rule("footnote_anchor", _footnote_backref)
    return markdown
