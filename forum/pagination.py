"""Numbered pages with stable ?page=N URLs, and the links between them (`pagination` in templates)."""

import math
from dataclasses import dataclass

from flask import abort, current_app, request
from markupsafe import Markup

from .kept_html import KeptHtml


@dataclass(frozen=True)
class Page:
    number: int
    per_page: int
    total: int

    @classmethod
    def last(cls, total: int, per_page: int) -> "Page":
        """The last page of `total` items."""
        return cls(number=max(1, math.ceil(total / per_page)), per_page=per_page, total=total)

    @property
    def count(self) -> int:
        """How many pages there are (at least one, even when empty)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count

    @property
    def is_last(self) -> bool:
        return self.number == self.count

    def nearby(self, spread: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last, and those near this one; None marks a gap."""
        shown = {1, self.count, *range(self.number - spread, self.number + spread + 1)}
        numbers = sorted(n for n in shown if 1 <= n <= self.count)
        result: list[int | None] = []
        for n in numbers:
            if result and n - result[-1] > 1:
                result.append(None)
            result.append(n)
        return result


def requested_page(total: int, per_page: int) -> Page:
    """The page named by ?page=N; 404 for a page past the end, 400-free for junk (page 1)."""
    number = request.args.get("page", 1, type=int)
    if number < 1:
        number = 1
    page = Page(number=number, per_page=per_page, total=total)
    if number > page.count:
        abort(404, f"This has only {page.count} page{'s' if page.count > 1 else ''}.")
    return page


def page_of_position(position: int, per_page: int) -> int:
    """The page on which the item at 1-based `position` appears."""
    return (position - 1) // per_page + 1


def pagination(page: Page, endpoint: str, label: str = "Pages", **values) -> Markup:
    """The links to `page`'s neighbours (templates/_pagination.html), the same for every reader of the
    page: rendered once per worker and kept under everything they show (their label, the endpoint and its
    values, the page's number and count, the app's root path), the least recently used forgotten first.
    A thread page has two of them, which cost it as much as its twenty kept posts."""
    key = (endpoint, label, page.number, page.count, tuple(values.items()), request.script_root)
    kept = current_app.extensions["pagination"]
    html = kept.get(key)
    if html is None:
        html = current_app.jinja_env.get_template("_pagination.html").module.pagination(
            page, endpoint, label=label, **values)
        kept.put(key, html, len(html) + 200)
    return Markup(html)


def register(app) -> None:
    """`pagination` for every template; 1 MB a worker keeps about a thousand pages' links."""
    app.jinja_env.globals["pagination"] = pagination
    app.extensions["pagination"] = KeptHtml(1024 * 1024)
