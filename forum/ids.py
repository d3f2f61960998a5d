"""Ids as the database holds them: whole numbers from 1 to 2**31 - 1, PostgreSQL's INTEGER.

A number outside that range names nothing, so it must never reach a query: PostgreSQL refuses it
("integer out of range") and SQLite cannot bind one past 2**63, and either would be a 500. Every
route's `<int:…>` stops it before the view (a 404); ids read from forms and post text go through
`parse_id`, and numbers compared with ids (?after=) are kept within MAX_ID.
"""

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


def _numbers_up_to(limit: int) -> str:
    """A regular expression for the whole numbers 1..limit, written without leading zeros."""
    digits = str(limit)
    shorter = [rf"[1-9]\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    as_long = [rf"{digits[:i]}[{'1' if i == 0 else '0'}-{int(digit) - 1}]\d{{{len(digits) - i - 1}}}"
               for i, digit in enumerate(digits) if int(digit) > (1 if i == 0 else 0)]
    return "(?:" + "|".join([*shorter, *as_long, digits]) + ")"


class IntegerIdConverter(IntegerConverter):
    """`<int:…>` in every route of the app: a path whose number is out of range does not match the
    rule's pattern, so the answer is a 404. (A range check after matching, the converter's `max`,
    would answer 405 where another rule has the same path for another method.)"""

    regex = _numbers_up_to(MAX_ID)


def is_id(number: int) -> bool:
    """True if `number` could be an id in the database."""
    return 1 <= number <= MAX_ID


def parse_id(text: str | None) -> int | None:
    """The id `text` spells, or None if it is empty, not a number, or out of range."""
    text = (text or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if is_id(number) else None


def register(app):
    """Make every `<int:…>` in the URL map an id. Call it before any blueprint adds its routes."""
    app.url_map.converters["int"] = IntegerIdConverter
