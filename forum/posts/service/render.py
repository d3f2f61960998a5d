"""Turning a post's Markdown into the HTML stored beside it, once, when it is written.

CommonMark with raw HTML off, bare URLs linked, and what syntax.py adds (tables, task lists, footnotes,
spoilers, coloured code, emoji), a few rewrites on its token stream (quote attributions, removed quotes, mentions, a new member's links), then an allow-list
sanitiser (nh3) over the result. The sanitiser is configured once, here, and tried on hostile
samples at import, so a bad configuration stops the app from starting rather than leaking.
"""

import re
from dataclasses import dataclass, field

import nh3
from markdown_it.token import Token
from markupsafe import escape

from ...ids import parse_id
from .highlight import CLASSES as HIGHLIGHT_CLASSES
from .images import ImageInfo, img_src_only_uploads, show_images
from .syntax import anchors, parser

# Bumped whenever the output changes, so `flask forum rerender` can bring stored HTML up to date.
RENDER_VERSION = 5  # 5: images of this forum's uploads, tables, task lists, footnotes, spoilers, highlighted code, emoji

QUOTED_POST = re.compile(r"^/p/(\d+)$")
QUOTED_MESSAGE = re.compile(r"^/messages/m/(\d+)$")  # a private message, quoted inside its conversation
MENTION = re.compile(r"(?<![\w@/.])@([A-Za-z0-9][A-Za-z0-9_-]{2,19})")
HIDDEN_LINK = "link hidden — new member"
ALIGN_CLASSES = {"align-left", "align-center", "align-right"}


def _site_path(url: str) -> str | None:
    """A relative URL is kept only as a path on this site: "/" and then neither "/" nor "\\".

    Browsers drop tabs and newlines inside URLs and read "//host", "///host" and "/\\host" as
    another site, so those (and "foo", "#x", "?q") are not site paths.
    """
    squeezed = re.sub(r"[\t\n\r]", "", url)
    return squeezed if squeezed.startswith("/") and squeezed[1:2] not in ("/", "\\") else None


_markdown = parser()  # images: only this forum's uploads are shown; any other address stays a link (images.py)

# Fragment links a post may hold: a footnote and its way back (syntax.anchors gives the prefix).
FOOTNOTE_LINK = re.compile(r"#fn(?:ref)?-[0-9a-f]{8}-\d{1,4}(?::\d{1,4})?")


def _relative(url: str) -> str | None:
    """A relative URL kept: a path on this site, or a link to a footnote of the post itself."""
    return url if FOOTNOTE_LINK.fullmatch(url) else _site_path(url)


_cleaner = nh3.Cleaner(
    tags={"a", "blockquote", "br", "cite", "code", "del", "details", "div", "em", "h1", "h2", "h3", "h4",
          "h5", "h6", "hr", "img", "input", "label", "li", "ol", "p", "pre", "s", "section", "span", "strong",
          "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul"},
    attributes={
        "a": {"href", "id", "aria-label"},
        "blockquote": {"data-quote"},
        "img": {"src", "alt", "width", "height"},
        "li": {"id"},
        "ol": {"start"},
    },
    # Classes name only what the renderer makes; any other class, and any `style`, is dropped.
    allowed_classes={
        "a": {"attribution-link", "footnote-backref", "image-link", "mention"},
        "blockquote": {"quote"},
        "cite": {"attribution"},
        "details": {"spoiler"},
        "div": {"table-scroll"},
        "hr": {"footnotes-sep"},
        "input": {"task-list-item-checkbox"},
        "li": {"footnote-item", "task-list-item"},
        "ol": {"contains-task-list", "footnotes-list"},
        "p": {"placeholder"},
        "pre": {"highlight"},
        "section": {"footnotes"},
        "span": {"image-hidden", "image-missing", "link-hidden", *HIGHLIGHT_CLASSES},
        "sup": {"footnote-ref"},
        "td": ALIGN_CLASSES,
        "th": ALIGN_CLASSES,
        "ul": {"contains-task-list"},
    },
    # A task list's box is always a disabled checkbox: it shows, it cannot be ticked or submitted.
    tag_attribute_values={"input": {"checked": {"checked"}}, "div": {"tabindex": {"0"}}, "pre": {"tabindex": {"0"}},
                          "img": {"loading": {"lazy"}, "decoding": {"async"}}},
    set_tag_attribute_values={"input": {"type": "checkbox", "disabled": "disabled"}},
    # Every id starts with "fn" (a footnote's): no post can take an id the page itself uses.
    id_prefix="fn",
    url_schemes={"http", "https", "mailto"},
    url_relative=_relative,
    attribute_filter=img_src_only_uploads,  # an <img> loads this forum's uploads and nothing else
    link_rel="nofollow ugc noopener noreferrer",
    strip_comments=True,
)


@dataclass
class RenderContext:
    """What the renderer needs to know about the world; the posts service fills it in."""

    links_allowed: bool = True
    # Quoted post id -> the name its author currently shows, for the attribution line.
    quote_names: dict[int, str] = field(default_factory=dict)
    # Quoted post id -> the placeholder that replaces a quote of a removed post.
    removed_quotes: dict[int, str] = field(default_factory=dict)
    # Canonical username -> member id, for the members that exist; only these become mentions.
    members: dict[str, int] = field(default_factory=dict)
    max_mentions: int = 10
    # Upload sha256 -> its size and default alt text, for the uploads this forum holds (images.py).
    images: dict[str, ImageInfo] = field(default_factory=dict)
    # Private messages only (forum/messages): the quoted messages of the same conversation, as for posts.
    message_quote_names: dict[int, str] = field(default_factory=dict)
    removed_message_quotes: dict[int, str] = field(default_factory=dict)


@dataclass
class Rendered:
    html: str
    quoted_post_ids: list[int]  # at every depth: a removal collapses nested quotes too
    mentioned: list[str]
    hidden_links: int
    directly_quoted: list[int] = field(default_factory=list)  # quotes not inside another quote
    # Private messages quoted (at any depth, attributed to /messages/m/<id>): posts refuse them, and a
    # message may quote only its own conversation's.
    quoted_message_ids: list[int] = field(default_factory=list)


def references(body: str) -> tuple[set[int], set[str]]:
    """The post ids a body links to and the usernames it @-mentions, for filling a RenderContext."""
    post_ids = {parse_id(n) for n in re.findall(r"\]\(/p/(\d+)\)", body)} - {None}  # none out of range
    usernames = {name.lower() for name in MENTION.findall(body)}
    return post_ids, usernames


def render_body(body: str, context: RenderContext | None = None) -> Rendered:
    """Markdown to sanitised HTML, with what the text refers to."""
    context = context or RenderContext()
    env = anchors()  # footnotes are read while parsing and written while rendering: one env for both
    tokens = _markdown.parse(body.replace("\r\n", "\n"), env)
    quoted, direct, quoted_messages = _mark_quotes(tokens, context)
    mentioned: list[str] = []
    hidden = 0
    quote_depth = 0
    for token in tokens:
        if token.type in ("blockquote_open", "blockquote_close"):
            quote_depth += token.nesting
        if token.type == "inline" and token.children:
            token.children = show_images(token.children, context.images, context.links_allowed)
            # @names inside a quote are linked, but only the quoting author's own mentions notify.
            token.children = _link_mentions(token.children, context, mentioned if quote_depth == 0 else None)
            if not context.links_allowed:
                token.children, count = _hide_links(token.children)
                hidden += count
    html = _markdown.renderer.render(tokens, _markdown.options, env)
    return Rendered(html=_cleaner.clean(html), quoted_post_ids=quoted, mentioned=mentioned, hidden_links=hidden,
                    directly_quoted=direct, quoted_message_ids=quoted_messages)


def _mark_quotes(tokens: list[Token], context: RenderContext) -> tuple[list[int], list[int], list[int]]:
    """Give attributed quotes their class and attribution; collapse quotes of removed posts.

    Returns the quoted post ids at every depth, those quoted directly (not inside a quote), and the
    quoted private messages at every depth (marked data-quote="m<id>", never looked up for a post).
    """
    quoted: list[int] = []
    direct: list[int] = []
    messages: list[int] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        post_id = _attributed_post(tokens, i) if token.type == "blockquote_open" else None
        message_id = _attributed_post(tokens, i, QUOTED_MESSAGE) if token.type == "blockquote_open" else None
        if message_id is not None:
            messages.append(message_id)
            token.attrSet("class", "quote")
            token.attrSet("data-quote", f"m{message_id}")
            if message_id in context.removed_message_quotes:
                end = _matching_close(tokens, i)
                tokens[i + 1:end] = [_placeholder(context.removed_message_quotes[message_id])]
            else:
                _shape_attribution(tokens[i + 2], context.message_quote_names.get(message_id))
        if post_id is not None:
            quoted.append(post_id)
            if token.level == 0:
                direct.append(post_id)
            token.attrSet("class", "quote")
            token.attrSet("data-quote", str(post_id))
            if post_id in context.removed_quotes:
                end = _matching_close(tokens, i)
                tokens[i + 1:end] = [_placeholder(context.removed_quotes[post_id])]
            else:
                _shape_attribution(tokens[i + 2], context.quote_names.get(post_id))
        i += 1
    return quoted, direct, messages


def _attributed_post(tokens: list[Token], i: int, address: re.Pattern = QUOTED_POST) -> int | None:
    """The post a blockquote attributes itself to: it opens with "[Name](/p/123) wrote:" (or the message,
    given QUOTED_MESSAGE: "[Name](/messages/m/45) wrote:")."""
    if i + 2 >= len(tokens) or tokens[i + 1].type != "paragraph_open" or tokens[i + 2].type != "inline":
        return None
    children = tokens[i + 2].children or []
    if len(children) < 4 or children[0].type != "link_open" or children[2].type != "link_close":
        return None
    match = address.match(children[0].attrGet("href") or "")
    if not match or not children[3].content.strip().startswith("wrote:"):
        return None
    return parse_id(match.group(1))  # None for a number that can be no post's id


def _matching_close(tokens: list[Token], i: int) -> int:
    level = tokens[i].level
    for j in range(i + 1, len(tokens)):
        if tokens[j].type == "blockquote_close" and tokens[j].level == level:
            return j
    return len(tokens)


def _placeholder(text: str) -> Token:
    token = Token("html_block", "", 0)
    token.content = f'<p class="placeholder">{escape(text)}</p>\n'
    return token


def _shape_attribution(inline: Token, current_name: str | None):
    """Wrap "Name wrote:" in <cite>, with the author's current name, and break the line after it."""
    children = inline.children
    if current_name:
        children[1].content = current_name
    children[0].attrSet("class", "attribution-link")
    opening, closing = Token("html_inline", "", 0), Token("html_inline", "", 0)
    opening.content, closing.content = '<cite class="attribution">', "</cite>"
    rest = children[4:]
    if rest and rest[0].type == "softbreak":
        rest[0] = Token("hardbreak", "br", 0)
    inline.children = [opening, *children[:4], closing, *rest]


def _link_mentions(children: list[Token], context: RenderContext, mentioned: list[str] | None) -> list[Token]:
    """Turn @username of an existing member into a link to them, up to the per-post cap."""
    result: list[Token] = []
    in_link = 0
    for child in children:
        if child.type == "link_open":
            in_link += 1
        elif child.type == "link_close":
            in_link -= 1
        if child.type != "text" or in_link or "@" not in child.content:
            result.append(child)
            continue
        result.extend(_split_mentions(child.content, context, mentioned))
    return result


def _split_mentions(text: str, context: RenderContext, mentioned: list[str] | None) -> list[Token]:
    """Link each @name of a member; record it in `mentioned` (if given) up to the cap."""
    tokens: list[Token] = []
    position = 0
    for match in MENTION.finditer(text):
        username = match.group(1).lower()
        if username not in context.members:
            continue
        if mentioned is not None and username not in mentioned:
            if len(mentioned) >= context.max_mentions:
                continue
            mentioned.append(username)
        tokens.append(_text(text[position:match.start()]))
        link = Token("link_open", "a", 1)
        link.attrSet("href", f"/u/{username}")
        link.attrSet("class", "mention")
        tokens.extend([link, _text("@" + username), Token("link_close", "a", -1)])
        position = match.end()
    tokens.append(_text(text[position:]))
    return [t for t in tokens if t.type != "text" or t.content]


def _hide_links(children: list[Token]) -> tuple[list[Token], int]:
    """Replace each link to another site (text and all) with a visible marker."""
    result: list[Token] = []
    hidden = 0
    skipping = False
    for child in children:
        if child.type == "link_open" and _site_path(child.attrGet("href") or "") is None:
            skipping = True
            hidden += 1
            marker = Token("html_inline", "", 0)
            marker.content = f'<span class="link-hidden">{HIDDEN_LINK}</span>'
            result.append(marker)
        elif skipping:
            skipping = child.type != "link_close"
        else:
            result.append(child)
    return result, hidden


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _self_check():
    """Refuse to start with a sanitiser that lets any of these through."""
    hostile = ('<a href="javascript:alert(1)" onclick="x" hx-get="/logout" data-hx-post="/x" '
               'style="color:red">x</a><script>alert(1)</script><iframe src="/"></iframe><form></form>'
               '<img src=x onerror=alert(1)><a href="data:text/html,x">d</a><a href="//evil.example/">e</a>'
               '<img src="https://tracker.example/p.gif"><img src="/logout">'
               '<input type="text" name="csrf_token"><li id="main" class="flash"><div tabindex="1">'
               '<details open><a href="#main">m</a>')
    cleaned = _cleaner.clean(hostile).lower()
    for needle in ("javascript:", "onclick", "hx-get", "data-hx", "style=", "<script", "<iframe",
                   "<form", "onerror", "data:text", "evil.example", "tracker.example", "src=", 'type="text"',
                   "name=", 'id="main"', "flash", 'tabindex="1"', " open", "#main"):
        if needle in cleaned:
            raise RuntimeError(f"the post sanitiser lets {needle!r} through: fix forum/posts/service/render.py")


_self_check()
