"""Quoting a post as Markdown for the reply box, with nested quotes kept to a readable depth."""

import re

from sqlalchemy import select

from ...extensions import db
from ...models import Post
from .render import references

MAX_QUOTE_DEPTH = 3  # levels of quotes a new quote may hold, counting itself
QUOTE_PREFIX = re.compile(r"^((?:\s{0,3}>)*)")
ATTRIBUTION = re.compile(r"^((?:\s{0,3}>)+)\s*\[[^\]]*\]\(/p/(\d+)\) wrote:")


def quote_markdown(post: Post, selection: str | None = None, removed: dict[int, str] | None = None) -> str:
    """'> [Lou D.](/p/12) wrote:' followed by the post (or the selected part of it), quoted.

    `removed` maps the ids of removed posts to their placeholders: quotes of them inside the
    post are carried over as the placeholder, never as the removed text.
    """
    source = (selection or "").strip() or post.body
    lines = source.replace("\r\n", "\n").strip("\n").split("\n")
    lines = _trim_deep_quotes(_collapse_removed(lines, removed or {}), post.id)
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in lines)
    return f"> [{_escape_link_text(post.author.public_name)}](/p/{post.id}) wrote:\n{quoted}\n\n"


def quote_for(post: Post, selection: str | None = None) -> str:
    """quote_markdown with the removed posts it quotes looked up."""
    post_ids, _ = references(post.body)
    removed = {}
    if post_ids:
        for quoted in db.session.scalars(select(Post).where(Post.id.in_(post_ids), Post.removal.is_not(None))):
            removed[quoted.id] = quoted.placeholder
    return quote_markdown(post, selection, removed)


def _collapse_removed(lines: list[str], removed: dict[int, str]) -> list[str]:
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
        if match and int(match.group(2)) in removed:
            collapsing_depth = depth
            result.append("> " * depth + removed[int(match.group(2))])
    return result


def quote_depth(line: str) -> int:
    return QUOTE_PREFIX.match(line).group(1).count(">")


def _trim_deep_quotes(lines: list[str], post_id: int) -> list[str]:
    """Drop quotes nested too deep to stay readable once quoted again, leaving a link to the original."""
    keep_depth = MAX_QUOTE_DEPTH - 1  # this quote adds a level
    result: list[str] = []
    trimming = False
    for line in lines:
        if quote_depth(line) > keep_depth:
            if not trimming:
                prefix = "> " * keep_depth
                result.extend([prefix.rstrip(), f"{prefix}[… earlier quotes trimmed](/p/{post_id})"])
            trimming = True
            continue
        trimming = False
        result.append(line)
    return result


def _escape_link_text(text: str) -> str:
    return re.sub(r"([\\\[\]*_`<>])", r"\\\1", text)
