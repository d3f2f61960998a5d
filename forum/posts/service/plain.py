"""A post's rendered HTML as the plain words a reader sees: what search indexes and excerpts.

Taken from `body_html`, not from the Markdown, so a quote that collapsed to a placeholder, or an
attribution that now says "deleted member", reads here exactly as it does on the page.
"""

from html.parser import HTMLParser

# Elements that start a new line on the page: their words must not run into their neighbours'.
BREAKS = frozenset({"address", "blockquote", "br", "cite", "dd", "div", "dl", "dt", "h1", "h2", "h3", "h4",
                    "h5", "h6", "hr", "li", "ol", "p", "pre", "table", "td", "th", "tr", "ul"})


class _Words(HTMLParser):
    def __init__(self, skip_quotes: bool = False):
        super().__init__(convert_charrefs=True)  # entities come out as the characters they stand for
        self.pieces: list[str] = []
        self.skip_quotes, self.quote_depth = skip_quotes, 0

    def handle_starttag(self, tag, attrs):
        if tag == "blockquote":
            self.quote_depth += 1
        if tag in BREAKS:
            self.pieces.append("\n")

    def handle_endtag(self, tag):
        if tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
        if tag in BREAKS:
            self.pieces.append("\n")

    def handle_data(self, data):
        if not (self.skip_quotes and self.quote_depth):
            self.pieces.append(data)


def excerpt_of(html: str, limit: int = 200) -> str:
    """The start of what the author wrote themselves (quoted posts left out), cut at a word within
    `limit` characters with an ellipsis; a post that is all quote gives the quote's words."""
    text = text_of(html, skip_quotes=True) or text_of(html)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(",.;:-–— ") + "…"


def text_of(html: str, skip_quotes: bool = False) -> str:
    """The text of `html` with its tags gone and entities unescaped, on one line: each run of white
    space (and every break between blocks) becomes one space. `skip_quotes` leaves out blockquotes."""
    if not html:
        return ""
    parser = _Words(skip_quotes)
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.pieces).split())
