"""Quoting a post as Markdown for the reply box, with nested quotes kept to a readable depth. Private
messages quote each other the same way inside their conversation (forum/messages/service/display.py),
attributed to /messages/m/<id> instead of /p/<id>."""

import re

from sqlalchemy import select

from ...extensions import db
from ...models import Post
from .render import references

MAX_QUOTE_DEPTH = 3  # levels of quotes a new quote may hold, counting itself
QUOTE_PREFIX = re.compile(r"^((?:\s{0,3}>)*)")
# An attribution line: its quote prefix, what it quotes ("/p/" a post, "/messages/m/" a message) and its id.
ATTRIBUTION = re.compile(r"^((?:\s{0,3}>)+)\s*\[[^\]]*\]\((/p/|/messages/m/)(\d+)\) wrote:")


def quote_markdown(post: Post, selection: str | None = None, removed: dict[int, str] | None = None) -> str:
    """'> [Lou D.](/p/12) wrote:' followed by the post (or the selected part of it), quoted.

    `removed` maps the ids of removed posts to their placeholders: quotes of them inside the
    post are carried over as the placeholder, never as the removed text.
    """
    return quoted_block(post.author.public_name, f"/p/{post.id}", (selection or "").strip() or post.body,
                        {f"/p/{n}": text for n, text in (removed or {}).items()})


def quoted_block(name: str, address: str, source: str, removed: dict[str, str]) -> str:
    """'> [name](address) wrote:' and `source` quoted under it: quotes inside it of what `removed` names
    (by address: "/p/12", "/messages/m/7") carried over as its placeholder, and the deepest quotes trimmed."""
    lines = source.replace("\r\n", "\n").strip("\n").split("\n")
    lines = _trim_deep_quotes(_collapse_removed(lines, removed), address)
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in lines)
    return f"> [{_escape_link_text(name)}]({address}) wrote:\n{quoted}\n\n"


def quote_for(post: Post, selection: str | None = None) -> str:
    """quote_markdown with the removed posts it quotes looked up."""
    post_ids, _ = references(post.body)
    removed = {}
    if post_ids:
        for quoted in db.session.scalars(select(Post).where(Post.id.in_(post_ids), Post.removal.is_not(None))):
            removed[quoted.id] = quoted.placeholder
    return quote_markdown(post, selection, removed)


def _collapse_removed(lines: list[str], removed: dict[str, str]) -> list[str]:
    """Replace the text of each quote of a removed post by its placeholder, keeping the attribution."""
    result: list[str] = []
    collapsing_depth = None
    for line in lines:
        depth = quote_depth(line)
        if collapsing_depth is not None:
            if depth >= collapsing_depth:
                continue
            collapsing_depth = None
        result.append(line)
        match = ATTRIBUTION.match(line)
        if match and (address := match.group(2) + match.group(3)) in removed:
            collapsing_depth = depth
            result.append("> " * depth + removed[address])
    return result


def quote_depth(line: str) -> int:
    return QUOTE_PREFIX.match(line).group(1).count(">")


def _trim_deep_quotes(lines: list[str], address: str) -> list[str]:
    """Drop quotes nested too deep to stay readable once quoted again, leaving a link to the original."""
    keep_depth = MAX_QUOTE_DEPTH - 1  # this quote adds a level
    result: list[str] = []
    trimming = False
    for line in lines:
        if quote_depth(line) > keep_depth:
            if not trimming:
                prefix = "> " * keep_depth
                result.extend([prefix.rstrip(), f"{prefix}[… earlier quotes trimmed]({address})"])
            trimming = True
            continue
        trimming = False
        result.append(line)
    return result


def _escape_link_text(text: str) -> str:
    return re.sub(r"([\\\[\]*_`<>])", r"\\\1", text)
