"""A post's rendered HTML as the plain words a reader sees: what search indexes and excerpts.

Taken from `body_html`, not from the Markdown, so a quote that collapsed to a placeholder, or an
attribution that now says "deleted member", reads here exactly as it does on the page.
"""

from html.parser import HTMLParser

# Elements that start a new line on the page: their words must not run into their neighbours'.
BREAKS = frozenset({"address", "blockquote", "br", "cite", "dd", "div", "dl", "dt", "h1", "h2", "h3", "h4",
                    "h5", "h6", "hr", "li", "ol", "p", "pre", "table", "td", "th", "tr", "ul"})


class _Words(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)  # entities come out as the characters they stand for
        self.pieces: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in BREAKS:
            self.pieces.append("\n")

    def handle_endtag(self, tag):
        if tag in BREAKS:
            self.pieces.append("\n")

    def handle_data(self, data):
        self.pieces.append(data)


def text_of(html: str) -> str:
    """The text of `html` with its tags gone and entities unescaped, on one line: each run of white
    space (and every break between blocks) becomes one space."""
    if not html:
        return ""
    parser = _Words()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.pieces).split())
