"""Turning a post body into the HTML stored beside it, once, when it is written."""

import re

from markupsafe import escape

# Bumped whenever the output of render_body changes, so stored HTML can be brought up to date.
RENDER_VERSION = 1
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def render_body(body: str) -> str:
    """Plain text to HTML: everything escaped, blank lines make paragraphs, newlines make <br>."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [p.strip("\n") for p in PARAGRAPH_BREAK.split(text) if p.strip()]
    return "\n".join(
        "<p>" + "<br>\n".join(str(escape(line)) for line in paragraph.split("\n")) + "</p>"
        for paragraph in paragraphs
    )
