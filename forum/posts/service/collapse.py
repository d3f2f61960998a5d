"""Collapsing quotes of ignored members inside a post's stored HTML, for one reader.

The stored HTML is already sanitised; this only wraps chosen `<blockquote data-quote="N">`
elements, found by parsing (nested quotes are matched to their own closing tag), in a
`<details>` of fixed markup. Nothing of the post's own markup is added, removed or changed.
"""

import re
from html.parser import HTMLParser

from markupsafe import Markup

OPENING = ('<details class="ignored-quote"><summary>Quote of an ignored member'
           ' <span class="show-hint">— Show</span></summary>')
CLOSING = "</details>"


def collapse_quotes(html: str, quoted_ids: set[int]) -> Markup:
    """`html` with each quote of one of `quoted_ids` (the outermost, when they nest) collapsed."""
    spans = _QuoteFinder(html, {str(n) for n in quoted_ids}).spans()
    if not spans:
        return Markup(html)
    pieces, position = [], 0
    for start, end in spans:
        pieces += [html[position:start], OPENING, html[start:end], CLOSING]
        position = end
    pieces.append(html[position:])
    return Markup("".join(pieces))


class _QuoteFinder(HTMLParser):
    """Finds the (start, end) offsets of the outermost blockquotes quoting the chosen posts."""

    def __init__(self, html: str, wanted: set[str]):
        super().__init__(convert_charrefs=True)
        self._html, self._wanted = html, wanted
        self._line_starts = [0] + [newline.end() for newline in re.finditer("\n", html)]
        self._open: list[tuple[int, bool]] = []  # each open blockquote: its start, and whether it is wanted
        self._spans: list[tuple[int, int]] = []

    def spans(self) -> list[tuple[int, int]]:
        self.feed(self._html)
        self.close()
        return self._spans

    def handle_starttag(self, tag, attrs):
        if tag == "blockquote":
            self._open.append((self._offset(), dict(attrs).get("data-quote") in self._wanted))

    def handle_endtag(self, tag):
        if tag != "blockquote" or not self._open:
            return
        start, wanted = self._open.pop()
        inside_wanted = any(outer for _, outer in self._open)
        if wanted and not inside_wanted:
            end = self._html.index(">", self._offset()) + 1
            self._spans.append((start, end))

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column
