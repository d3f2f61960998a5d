"""A post's rendered HTML as the plain words a reader sees: what search indexes and excerpts.

Taken from `body_html`, not from the Markdown, so a quote that collapsed to a placeholder, or an
attribution that now says "deleted member", reads here exactly as it does on the page.
"""

from html.parser import HTMLParser

# Elements that start a new line on the page: their words must not run into their neighbours'.
BREAKS = frozenset({"address", "blockquote", "br", "cite", "dd", "details", "div", "dl", "dt", "h1", "h2", "h3",
                    "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "section", "summary", "table", "td", "th",
                    "tr", "ul"})
# Left out of an excerpt, as quotes are: what a spoiler hides (its summary stays), the way back from
# a footnote.
HIDDEN = frozenset({"blockquote", "details"})


class _Words(HTMLParser):
    def __init__(self, skip_quotes: bool = False):
        super().__init__(convert_charrefs=True)  # entities come out as the characters they stand for
        self.pieces: list[str] = []
        self.skip_quotes, self.quote_depth, self.summary_depth, self.backref = skip_quotes, 0, 0, False

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN:
            self.quote_depth += 1
        elif tag == "summary":
            self.summary_depth += 1
        elif tag == "a":
            self.backref = ("class", "footnote-backref") in attrs
        if tag in BREAKS:
            self.pieces.append("\n")

    def handle_endtag(self, tag):
        if tag in HIDDEN:
            self.quote_depth = max(0, self.quote_depth - 1)
        elif tag == "summary":
            self.summary_depth = max(0, self.summary_depth - 1)
        elif tag == "a":
            self.backref = False
        if tag in BREAKS:
            self.pieces.append("\n")

    def handle_data(self, data):
        if self.backref:
            return
        if not (self.skip_quotes and self.quote_depth > self.summary_depth):
            self.pieces.append(data)


def excerpt_of(html: str, limit: int = 200) -> str:
    """The start of what the author wrote themselves (quoted posts and what spoilers hide left out), cut at a word within
    `limit` characters with an ellipsis; a post that is all quote gives the quote's words."""
    text = text_of(html, skip_quotes=True) or text_of(html)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(",.;:-–— ") + "…"


def text_of(html: str, skip_quotes: bool = False) -> str:
    """The text of `html` with its tags gone and entities unescaped, on one line: each run of white
    space (and every break between blocks) becomes one space. `skip_quotes` leaves out blockquotes and
    what spoilers hide (not their summaries)."""
    if not html:
        return ""
    parser = _Words(skip_quotes)
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.pieces).split())
