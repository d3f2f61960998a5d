"""Text a visitor sends, cleaned of control characters before anything reads it.

NUL makes PostgreSQL refuse the whole statement (a 500 for a reply, a title, a search, a sign-in's
rate-limit key), and SQLite would store it, and the other controls, for every later page to carry.
No member means them: a textarea's line breaks and tabs are kept (with "\\r\\n" and a lone "\\r" made
"\\n"), everything else in C0, DEL and C1 goes. It is done once, where the request's form and query
string are parsed, so every form, every `request.form.get` and every query argument gets clean text,
including those added later. Two kinds of field are taken as typed: passwords, which are never
stored or shown and must keep working exactly as they were chosen, and display names, which are
refused with a message when they hold control or invisible characters (forum/auth/service/names.py) rather
than changed behind the member's back.

Text in a path (`/u/<username>`, `/c/<slug>`, tokens) is not cleaned but refused: a control
character there cannot be part of any name, so the rule does not match (a 404).
"""

import re

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items
from werkzeug.routing import UnicodeConverter

# C0 but tab and line feed, DEL, and C1. Carriage returns are made line feeds first.
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
CONTROL_CLASS = r"\x00-\x1f\x7f-\x9f"


def clean_text(text: str) -> str:
    """`text` with line breaks as "\\n" and no control characters but "\\n" and "\\t"."""
    return CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _verbatim(key: str) -> bool:
    """Fields taken exactly as typed: passwords (and the confirmation of a new one), display names."""
    return "password" in key or key in ("confirm", "display_name")


class CleanedFields(ImmutableMultiDict):
    """Form fields and query arguments with their text cleaned (uploaded files pass untouched)."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        super().__init__([(key, clean_text(value) if isinstance(value, str) and not _verbatim(key) else value)
                          for key, value in iter_multi_items(mapping)])


class CleanedRequest(Request):
    """The app's request: `form`, `args` and `values` hold cleaned text."""

    parameter_storage_class = CleanedFields


class PathText(UnicodeConverter):
    """`<name>` (and `<string:name>`): one path segment without control characters."""

    def __init__(self, map, minlength=1, maxlength=None, length=None):
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", f"[^/{CONTROL_CLASS}]", 1)


def register(app):
    """Clean every request's text, and refuse control characters in paths. Call it before any
    blueprint adds its routes."""
    app.request_class = CleanedRequest
    app.url_map.converters.update(default=PathText, string=PathText)
