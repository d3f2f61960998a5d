"""The whole htmx policy: what a fragment request is, how a view answers one, and Vary."""

from flask import g, get_flashed_messages, make_response, render_template, request
from jinja2_fragments.flask import render_block

VARY = ("HX-Request", "HX-Request-Type")


def is_fragment_request() -> bool:
    """True for an htmx request that swaps part of a page; boosted and history requests are pages."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Request-Type") == "partial"
    )


def claim_autofocus(invalid: bool = False) -> bool:
    """True once per fragment response, for the element a template asks to focus: htmx focuses the
    first [autofocus] it swaps in, so the member's next step gets focus instead of <body>. A page
    loaded whole must not jump to a field (templates/_forms.html), with one exception: a form sent
    without JavaScript and refused whole (422, 429) focuses its first `invalid` field, where the
    message and the kept text are, which may be thousands of pixels down a thread page."""
    if g.get("autofocus_claimed"):
        return False
    if not is_fragment_request() and not (invalid and request.method == "POST"):
        return False
    g.autofocus_claimed = True
    return True


def register(app):
    """Templates ask claim_autofocus() where a fragment's focus should land."""
    app.jinja_env.globals["claim_autofocus"] = claim_autofocus
    app.jinja_env.globals["is_fragment_request"] = is_fragment_request


def render(template: str, block: str | None = None, status: int = 200, **context):
    """Render the whole page, or only `block` of it (with the flash region) for a fragment request."""
    if block is not None and is_fragment_request():
        html = render_block(template, block, **context) + flash_region()
    else:
        html = render_template(template, **context)
    return make_response(html, status)


def render_partial(template: str, status: int = 200, **context):
    """Render a partial file (one item, such as a post) for a fragment request, with the flash region."""
    return make_response(render_template(template, **context) + flash_region(), status)


def known_tag() -> str | None:
    """The tag of what a polling element shows now: htmx's `hx-ptag` extension sends the tag of the
    last answer as `HX-PTag`; the first poll, which may leave before the extension has read the
    element's `hx-ptag`, names it in `?seen=` instead. A poll whose tag is current answers 304."""
    return request.headers.get("HX-PTag") or request.args.get("seen")


def uncached(response):
    """Mark a polled answer as never to be stored: each poll must reach the server."""
    response.headers["Cache-Control"] = "no-store"
    return response


def flash_region(messages=None) -> str:
    """The #flash region, swapped out of band so messages never wait for the next page load."""
    if messages is None:
        messages = get_flashed_messages(with_categories=True)
    return render_template("_flash.html", messages=messages, out_of_band=True)


def redirect_fragment(location: str, status: int = 200):
    """Send the browser to `location` from a fragment request (a 302 would be swapped in place)."""
    response = make_response("", status)
    response.headers["HX-Redirect"] = location
    return response


def add_vary(response):
    """Every HTML response varies on the htmx request headers: caches must not mix page and fragment."""
    if response.mimetype == "text/html":
        response.vary.update(VARY)
    return response
