"""A page of a thread's posts as the reader sees them (`page_posts`), kept whole for the members who
all see it the same way.

Each post's HTML is kept already (forum.posts.html_cache), but finding its key is most of what a
member's thread page still costs: reading the page's twenty posts with their authors, the names and
replies they show, the reactions. And for most members the page's posts are exactly the same: they
wrote none of them and are named nowhere on them, reacted to none, ignore nobody, and nothing stops
them writing in the thread. For those members — plain readers — the page's posts are kept as one
entry: each post's id and HTML (cut at its slots, still to fill: forum.kept_html.cut), which members
the posts name, which posts have reactions, and the page's description line. The key, and the only
place it lives:

- The site's pages_version as this request read it, with the member (forum.unchanged): every change
  any reader could see — a reply, an edit, a reaction, a removal, a new name, a sanction's removals,
  a settings change — writes a new version in its own transaction, so an entry is never older than
  the site, and nothing is forgotten by hand: a new version makes new keys.
- The thread, the page's number and size, and the order.
- The site's settings as this worker read them, and the app's root path (as a post's key).

Whether this reader is a plain reader is asked afresh on every answer: `plain_reader` before (a
member, not staff, ignoring nobody, with nothing stopping them writing in the thread), and the
entry's named members and reacted posts after (one query among the posts with reactions, none when
none has). Anyone else is given the page worked out as before, and only a plain reader's page is
kept. Guests have the page cache (forum.page_cache); staff always get posts rendered afresh.
Entries share the posts' HTML memory (POST_HTML_CACHE_BYTES; 0 turns both off) and go as the least
recently used.

The rest of a plain reader's page body — the thread's head, its watch control, the order and page
links, the composer — is kept too (`page_body`), under the same key with the reader's watch level,
whether the article's comments have closed (which time alone can change) and what the composer shows
them (forum.threads.views.reply_form's key: the post their draft answers, whether their links are
published). It is the same for every such reader but for its slots: the CSRF token, the posts (with the
reader's own new-posts line), and the composer's request key and draft text. A page that shows the
reader anything else of theirs — their own posts waiting for a moderator, a refused reply, a preview —
is rendered whole, as is every htmx fragment.
"""

from typing import NamedTuple

from flask import current_app, request
from jinja2_fragments.flask import render_block
from markupsafe import Markup, escape

from ...kept_html import Filling, csrf_slot, cut, settings_key, slot, timestamp_slot
from ...policy import write_blocker
from ...posts.forms import new_request_key
from ...posts.html_cache import post_html
from ...posts.service.articles import comments_closed
from ...posts.service.display import Conversation, conversation_for
from ...posts.service.reactions import mine_among, offered
from ...unchanged import request_version
from .. import service
from .reply_form import composer_key, slotted_html


class ShownPost(NamedTuple):
    """A post as a page shows it: its id, and its HTML (templates/posts/_post.html) cut at the slots
    still to fill (forum.kept_html.cut)."""

    id: int
    pieces: tuple[str, ...]


# Before the first post the reader had not read (forum.threads.service.unread.first_unread_id).
NEW_POSTS_LINE = '<p class="new-posts-line" id="new-posts" role="separator">New since your last visit</p>'


def posts_html(posts: tuple[ShownPost, ...], new_from: int | None) -> Markup:
    """The page's posts with their slots filled for this answer, and the line before the first post
    new to the reader (`new_from`)."""
    filling, html = Filling(), []
    _add_posts(filling, posts, new_from, html)
    return Markup("".join(html))


def _add_posts(filling: Filling, posts: tuple[ShownPost, ...], new_from: int | None, html: list[str]) -> None:
    for post in posts:
        if post.id == new_from:
            html.append(NEW_POSTS_LINE)
        filling.add(post.pieces, html)


class PagePosts(NamedTuple):
    """What `page_posts` finds."""

    posts: tuple[ShownPost, ...]
    convo: Conversation  # what the page needs to know of them (forum.posts.service.display)
    description: str  # the page's summary line (forum.threads.service.summary)
    plain: bool  # whether the reader is a plain reader of the page, whose page body may be kept (`page_body`)


class KeptPage(NamedTuple):
    """A page's posts as kept for plain readers, with what tells whether a reader is one."""

    posts: tuple[ShownPost, ...]
    named: frozenset[int]  # every member the posts name: authors, answered authors, repliers
    reacted: tuple[int, ...]  # the posts with reactions, among which a plain reader has none of their own
    description: str  # the page's summary line (forum.threads.service.summary)


def page_posts(thread, page, order, viewer, reader) -> PagePosts:
    """The posts of `page` in `order` as `viewer` sees them, with what the page needs to know of them
    and whether `viewer` is a plain reader of them. `reader`: what is theirs on the page, read with the
    thread (None when it was not: a refused reply, a preview). Kept for plain readers; an article's
    editors' picks never are."""
    plain = current_app.extensions.get("post_html") is not None and plain_reader(viewer, reader, thread)
    kept = kept_page(thread, page, order, viewer) if plain and order != "picks" else None
    if kept is not None:  # nothing of the posts to read
        return PagePosts(kept.posts, Conversation(offered=offered(), watch_level=reader.choices.watch_level),
                         kept.description, True)
    found = service.picked_posts(thread, page) if order == "picks" else service.thread_posts(thread, page, order)
    convo = conversation_for(thread, found, viewer, service.post_numbers(thread, page, order, found),
                             reader and reader.choices)
    description = service.summary(thread, found[0] if found and page.number == 1 and order == "oldest" else None)
    posts = tuple(ShownPost(post.id, cut(post_html(post, convo, thread))) for post in found)
    plain = plain and viewer.id not in convo.names and not convo.reactions.mine
    if plain and order != "picks":
        keep_page(thread, page, order, posts, convo, description)
    return PagePosts(posts, convo, description, plain)


def plain_reader(viewer, reader, thread) -> bool:
    """Whether `viewer`, with what is theirs on the thread's page (`reader`, read with the thread), sees
    its posts as any other such member does, as far as can be told before the posts are known."""
    return (reader is not None and not viewer.is_staff and not reader.choices.ignores_anyone
            and write_blocker(viewer, thread) is None)


def _key(kind: str, thread, page, order) -> tuple:
    return (kind, request_version(), thread.id, page.number, page.per_page, order, settings_key(),
            request.script_root)


def kept_page(thread, page, order, viewer) -> KeptPage | None:
    """The page's posts as kept for plain readers, if they are kept and `viewer`, a plain reader before
    the posts are known, is named on none of them and reacted to none."""
    kept = current_app.extensions["post_html"].get(_key("thread page", thread, page, order))
    if kept is None or viewer.id in kept.named or (kept.reacted and mine_among(viewer, kept.reacted)):
        return None
    return kept


def keep_page(thread, page, order, posts: tuple[ShownPost, ...], convo, description: str) -> None:
    """Keep the page's posts as worked out for a plain reader of them."""
    kept = KeptPage(posts, frozenset(convo.names), tuple(convo.reactions.counts), description)
    current_app.extensions["post_html"].put(
        _key("thread page", thread, page, order), kept,
        sum(map(len, (piece for post in posts for piece in post.pieces))) + 100 * len(posts) + 500)


POSTS_SLOT = slot("posts")


def page_body(new_from: int | None, composer: tuple[str, int | None] | None, **page) -> Markup:
    """threads/show.html's content block for a plain reader (`page`: the template's context, `answering`
    included), from memory if kept, with the reader's token, posts and new-posts line (before `new_from`),
    and where the page has a composer, their draft's text (`composer`: it and the post it answers) and a
    new request key."""
    thread, convo, answering = page["thread"], page["convo"], page["answering"]
    parent_id = str(composer[1] or "") if composer is not None else ""
    cache = current_app.extensions["post_html"]
    key = (*_key("thread body", thread, page["page"], page["order"]), convo.watch_level, comments_closed(thread),
           composer_key(parent_id, answering) if composer is not None else None)
    pieces = cache.get(key)
    if pieces is None:
        pieces = cut(render_block(
            "threads/show.html", "content", **page, shown=Markup(POSTS_SLOT), csrf_token=csrf_slot,
            timestamp=timestamp_slot, reply_form_html=lambda *_: Markup(slotted_html(thread, parent_id, answering))))
        cache.put(key, pieces, sum(map(len, pieces)) + 500)
    html = []
    filling = Filling(posts=lambda into: _add_posts(filling, page["posts"], new_from, into),
                      key=lambda into: into.append(new_request_key()),
                      body=lambda into: into.append(escape(composer[0])))
    filling.add(pieces, html)
    return Markup("".join(html))
