"""Bare-URL linking that stays linear on hostile input.

markdown-it-py's own inline rule looks for the URL scheme before each "://" by searching all the
text collected so far, so a post of 20,000 characters built from "http://[" or "://" takes seconds
to render. A scheme is short: searching the last 64 characters finds every real one.
"""

import re

from markdown_it.rules_inline.state_inline import StateInline

SCHEME_TAIL = 64
SCHEME = re.compile(r"(?:^|[^a-z0-9.+-])([a-z][a-z0-9.+-]*)$", re.IGNORECASE)


def linkify(state: StateInline, silent: bool) -> bool:
    """markdown-it-py's linkify rule, with the scheme searched for in a bounded tail."""
    pos = state.pos
    if (not state.md.options.linkify or state.linkLevel > 0 or pos + 3 > state.posMax
            or state.src[pos:pos + 3] != "://"):
        return False
    match = SCHEME.search(state.pending[-SCHEME_TAIL:])
    if not match:
        return False
    proto = match.group(1)
    link = state.md.linkify.match_at_start(state.src[pos - len(proto):pos + 2048])
    if not link:
        return False
    url = link.url.rstrip("*")  # a trailing '*' belongs to emphasis
    full_url = state.md.normalizeLink(url)
    if not state.md.validateLink(full_url):
        return False
    if not silent:
        state.pending = state.pending[:-len(proto)]
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": full_url}
        token.markup, token.info = "linkify", "auto"
        token = state.push("text", "", 0)
        token.content = state.md.normalizeLinkText(url)
        token = state.push("link_close", "a", -1)
        token.markup, token.info = "linkify", "auto"
    state.pos += len(url) - len(proto)
    return True
