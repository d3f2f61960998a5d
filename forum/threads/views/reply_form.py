"""A thread page's reply form, rendered once and kept in each worker's memory: `reply_form_html(thread, form,
answering)`.

The composer under a thread's last page (templates/threads/_reply_form.html: the text box, the image
fields, their hints and six addresses) cost a member's last page about as much as its twenty kept posts.
It is the same for every member who may write there, but for what is theirs alone, so it is rendered
once and kept, like a post's HTML (forum.posts.html_cache). Nothing is invalidated: a change anyone could
see makes a different key, and the old form is forgotten as the least recently used. The key, and the
only place it lives:

- The thread's id (its addresses), the post the form answers (the hidden field, and the "Replying to"
  line's address and name as this member sees it) and whether this member's links are published (the
  new-member hints).
- The site's settings as this worker read them (the hints' numbers), and the app's root path.

Whether the form is offered at all (a lock, closed comments, a sanction, a staff member's pass) is
decided around it, by templates/threads/_composer.html, on every page.

Three parts are the member's own and are left as slots (forum.kept_html), filled in for each answer:
the CSRF token, the form's one-time request key, and the text of their draft, each escaped as the form
would escape it. The draft, filled in last, is never searched for a marker. A plain reader's thread page
keeps its composer within the rest of the page (forum.threads.views.kept_pages), by the same key and
slots (`composer_key`, `slotted_html`). Only a form with nothing else of its own is kept: a refused
one (its messages beside the fields) or one with an image description is rendered afresh.
COMPOSER_CACHE_BYTES bounds each worker's share (0 turns the cache off).
"""

from flask import current_app, render_template, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from ...kept_html import CSRF_SLOT, KeptHtml, csrf_slot, settings_key, slot
from ...policy import links_allowed_for
from ...posts.forms import ReplyForm

TEMPLATE = "threads/_reply_form.html"

KEY_SLOT, BODY_SLOT = slot("key"), slot("body")


def reply_form_html(thread, form, answering) -> Markup:
    """templates/threads/_reply_form.html for `form` in `thread`, answering the post `answering` (or None),
    from memory if kept."""
    cache = current_app.extensions.get("reply_form")
    if cache is None or not keepable(form):
        return Markup(render_template(TEMPLATE, thread=thread, form=form, answering=answering))
    key = (thread.id, *composer_key(form.parent_id.data, answering), settings_key(), request.script_root)
    html = cache.get(key)
    if html is None:
        html = slotted_html(thread, form.parent_id.data, answering)
        cache.put(key, html, len(html) + 500)
    return Markup(html.replace(CSRF_SLOT, generate_csrf())
                  .replace(KEY_SLOT, escape(form.request_key._value()))
                  .replace(BODY_SLOT, escape(form.body._value())))


def composer_key(parent_id: str, answering) -> tuple:
    """What a composer answering `parent_id` (the post `answering`) shows this member besides its slots, as
    part of a key: the hidden field, the "Replying to" line's address and name as this member sees it, and
    whether their links are published (the new-member hints)."""
    reader = current_user._get_current_object()
    return (parent_id, (answering.id, answering.author.name_seen_by(reader)) if answering is not None else None,
            links_allowed_for(reader))


def slotted_html(thread, parent_id: str, answering) -> str:
    """The composer answering `parent_id` with slots for the member's own: the CSRF token, the form's one-time
    request key and the text of their draft (kept_html.slot "csrf", "key" and "body")."""
    slotted = ReplyForm(formdata=None, meta={"csrf": False}, body=BODY_SLOT, parent_id=parent_id,
                        request_key=KEY_SLOT)
    return render_template(TEMPLATE, thread=thread, form=slotted, answering=answering, csrf_token=csrf_slot)


def keepable(form) -> bool:
    """Whether the kept form shows `form` exactly: it has no error beside any field (a refused reply) and
    no image description, the only things it holds besides its slots and its key."""
    return not form.errors and not form.image_alt.data


def register(app) -> None:
    """Keep reply forms unless COMPOSER_CACHE_BYTES is 0; `reply_form_html` for threads/show.html."""
    app.jinja_env.globals["reply_form_html"] = reply_form_html
    if app.config["COMPOSER_CACHE_BYTES"] > 0:
        app.extensions["reply_form"] = KeptHtml(app.config["COMPOSER_CACHE_BYTES"])
