"""The rows of a thread list, rendered once and kept in each worker's memory: `thread_rows(threads, reader)`.

A list page is mostly its 25 rows, and rendering templates/threads/_thread_row.html (four links, two
names, a picture, a time) was most of its cost. A row is the same for every reader who sees it the same
way, so it is kept under a key made of everything it shows, like a post's HTML (forum.posts.html_cache).
Nothing is invalidated: a change anyone could see makes a different key, and the old row is forgotten as
the least recently used. The key, and the only place it lives:

- The thread as the list has it (forum.threads.service.ListedThread): every column the row shows, its
  category's, its author's and its last poster's (name, name style, picture, deletion), and when the
  last post was written. A reply, an edit of the title, a move, a pin or a lock, a new name: a new key.
- How this reader sees it: the author's and the last poster's names as shown to them (full names to
  themselves and to staff), how many posts are unread (0 for none or for a guest), and whether the
  "New" mark is shown (a member who never opened a thread that moved since they joined).
- The site's settings as this worker read them, and the app's root path.

"3 minutes ago" grows older with no change, so it is a slot (forum.kept_html), filled in for each
answer. A row holds no form and nothing else of the reader's. THREAD_ROW_CACHE_BYTES bounds each worker's share (0 turns the cache off).
"""

from flask import current_app, render_template, request
from markupsafe import Markup

from ...kept_html import Filling, KeptHtml, cut, settings_key, timestamp_slot
from ...models.user import name_seen
from ...templating import timestamp
from ..service import unread

TEMPLATE = "threads/_thread_row.html"


def thread_rows(threads, reader) -> Markup:
    """`threads` (ListedThread) as the rows of a list shown to `reader`, from memory where kept (cut at
    their slots, forum.kept_html.cut), the slots filled for this answer."""
    reading = unread.read_counts(reader, [thread.id for thread in threads])
    cache = current_app.extensions.get("thread_rows")
    shared = (settings_key(), request.script_root)
    signed_in = reader.is_authenticated
    filling, rows = Filling(), []
    for thread in threads:
        read = reading.get(thread.id)
        shown = {
            "thread": thread,
            "author_name": name_seen(thread.author, reader),
            "last_name": name_seen(thread.last, reader) if thread.last is not None else None,
            "unread": max(thread.post_count - read, 0) if read is not None else 0,
            "new": read is None and signed_in and thread.last_post_at > reader.created_at,
        }
        if cache is None:
            rows.append(render_template(TEMPLATE, timestamp=timestamp, **shown))
            continue
        key = (*shown.values(), shared)
        pieces = cache.get(key)
        if pieces is None:
            html = render_template(TEMPLATE, timestamp=timestamp_slot, **shown)
            pieces = cut(html)
            cache.put(key, pieces, len(html) + 500)
        filling.add(pieces, rows)
    return Markup("".join(rows))


def register(app) -> None:
    """Keep rows unless THREAD_ROW_CACHE_BYTES is 0."""
    if app.config["THREAD_ROW_CACHE_BYTES"] > 0:
        app.extensions["thread_rows"] = KeptHtml(app.config["THREAD_ROW_CACHE_BYTES"])
