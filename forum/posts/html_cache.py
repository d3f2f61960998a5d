"""Posts' HTML on a thread page, rendered once and kept in each worker's memory: `post_html(post, convo)`.

A thread page is mostly its posts, and rendering templates/posts/_post.html twenty times is most of a
member's page. Almost all of a post's HTML is the same for everyone who sees it the same way, so it is
rendered once and kept, under a key made of everything the partial shows. Nothing is ever invalidated:
a change anyone could see makes a different key, and the old entry is forgotten as the least recently
used. These are the rules, and the only place they live:

- The post's row: every column of `posts` except the ones no page shows (NOT_SHOWN_POST: its Markdown
  source, its search text, its form key). So an edit (body_html, edited_at, version), a removal or a
  restore (removal, reason), reactions counted on the row, and any column added later (a flag shown
  beside it, say) change the key without anyone remembering to add them here.
- Its author's row: every column of `users` except secrets and what no post shows (NOT_SHOWN_USER):
  a new name or name style, picture, role (a staff badge), or the account's deletion.
- What the page worked out about it (forum.posts.service.display.Conversation): the names of its
  author, of the author it answers and of those who replied to it as this reader may see them, told
  apart; the replies themselves; its number in the thread; its reactions' tally and the reactions the
  site offers.
- How this reader sees it: signed in or not, their own post or not, what stops them writing here (a
  sanction), whether they may change it, their own reaction, whether they ignore its author, and which
  of its quotes are of members they ignore.
- The site's settings as this worker read them, and the app's root path.

Two parts differ per answer and are left as slots (forum.kept_html), filled in for each one: the
CSRF token of the reader's forms, and "3 minutes ago" (which grows older with no change at all).
`post_html` leaves them for the page's posts to be filled all at once
(forum.threads.views.kept_pages.posts_html).

Staff are never served from here (their posts carry moderation forms with per-request errors), and
neither is a partial asked with extras (a focused post, a just-pressed reaction): those render as before.
POST_HTML_CACHE_BYTES bounds each worker's share (0 turns the cache off). The memory is per worker: a
round trip to a shared store per post would cost about what rendering it does.
"""

from flask import current_app, render_template, request
from flask_login import current_user
from markupsafe import Markup

from ..kept_html import KeptHtml, csrf_slot, settings_key, timestamp_slot
from ..models import Post, User
from ..policy import may_change

TEMPLATE = "posts/_post.html"
NOT_SHOWN_POST = {"body", "search_text", "request_key"}
NOT_SHOWN_USER = {"password_hash", "session_token", "totp_secret", "totp_last_step", "email", "bio", "bio_html"}
POST_COLUMNS = tuple(c.key for c in Post.__mapper__.column_attrs if c.key not in NOT_SHOWN_POST)
USER_COLUMNS = tuple(c.key for c in User.__mapper__.column_attrs if c.key not in NOT_SHOWN_USER)


def post_html(post, convo, thread) -> Markup:
    """The post as templates/posts/_post.html shows it to the current reader, from memory if kept, its
    slots still to fill (forum.kept_html.cut, Filling). The thread is for staff's tools alone (an article's
    editors' pick): no kept post shows anything of it."""
    cache = current_app.extensions.get("post_html")
    reader = current_user._get_current_object()  # the proxy costs more than the rest of a lookup
    if cache is None or getattr(reader, "is_staff", False):
        return Markup(render_template(TEMPLATE, post=post, convo=convo, thread=thread))
    key = _key(post, convo, reader)
    html = cache.get(key)
    if html is None:
        html = render_template(TEMPLATE, post=post, convo=convo, csrf_token=csrf_slot, timestamp=timestamp_slot)
        cache.put(key, html, _size(key, html))
    return Markup(html)


def _key(post, convo, reader) -> tuple:
    """Everything the partial shows about `post` to `reader` (the module's docstring says why each)."""
    author, parent = post.author, post.parent
    reader_id = reader.id if reader.is_authenticated else None
    return (
        tuple(map(post.__dict__.get, POST_COLUMNS)),
        tuple(map(author.__dict__.get, USER_COLUMNS)),
        (parent.id, parent.author_id, convo.name(parent.author_id)) if parent is not None else None,
        convo.name(post.author_id), convo.suffix(post.author_id),
        tuple((reply_id, author_id, convo.name(author_id)) for reply_id, author_id in convo.replies_to(post)),
        convo.number(post), tuple(convo.tally(post)), convo.offered,
        reader_id is not None, reader_id == post.author_id, convo.blocked.kind if convo.blocked else None,
        may_change(reader, post), convo.my_reaction(post), post.author_id in convo.ignored,
        frozenset(convo.ignored_quotes.get(post.id, ())),
        settings_key(), request.script_root,
    )


def _size(key: tuple, html: str) -> int:
    """About how many bytes an entry holds: its HTML and the text in its key (the post's HTML again)."""
    return len(html) + sum(len(value) for value in key[0] if isinstance(value, str)) + 500


def register(app):
    """Keep posts' HTML unless POST_HTML_CACHE_BYTES is 0."""
    if app.config["POST_HTML_CACHE_BYTES"] > 0:
        app.extensions["post_html"] = KeptHtml(app.config["POST_HTML_CACHE_BYTES"])
