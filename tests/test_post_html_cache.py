"""Posts' HTML kept per worker (forum/posts/html_cache.py): every change a reader could see shows at
once, for members and guests, and a kept post is exactly what rendering it afresh gives.

The guest page cache is off here, so that guests' thread pages are rendered, through the post cache."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import kept_html
from forum.account import service as account
from forum.admin.service import members as admin_members
from forum.auth.service import accounts
from forum.extensions import db
from forum.members.service import preferences
from forum.models import Post
from forum.moderation.service import flags, sanctions
from forum.moderation.service.sanctions import SanctionRequest
from forum.posts import html_cache
from forum.posts import service as posts
from forum.posts.service import reactions
from forum.posts.service.quoting import quote_markdown
from tests.factories import PASSWORD, make_reply, make_thread, make_user

APP_CONFIG = {"PAGE_CACHE_SECONDS": 0}


def sign_in(client, member):
    client.sign_in(member)
    client.get("/")  # reads the "Signed in" message, which a page shows once


def address(thread) -> str:
    return f"/t/{thread.id}-{thread.slug}"


def posts_of(html: str) -> str:
    return html.split('id="posts"')[1]


def first_post(thread) -> Post:
    return db.session.scalars(select(Post).where(Post.thread_id == thread.id).order_by(Post.id)).first()


def comparable(html: str) -> str:
    """A page without what differs per answer or per visit: the nonce, the CSRF token, the new-posts line."""
    html = re.sub(r'nonce="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": ?"[^"]+"', "", html)
    html = re.sub(r'name="(csrf_token|request_key)"( type="hidden")? value="[^"]+"', "", html)
    html = re.sub(r'id="request_key" name="request_key" type="hidden" value="[^"]+"', "", html)
    return re.sub(r'<p class="new-posts-line".*?</p>', "", html)


def page(app, client, thread) -> str:
    """The thread page as `client` sees it, checked against the same page rendered with no post kept."""
    kept = client.get(address(thread))
    assert kept.status_code == 200
    cache = app.extensions.pop("post_html")
    try:
        fresh = client.get(address(thread)).text
    finally:
        app.extensions["post_html"] = cache
    assert comparable(kept.text) == comparable(fresh)
    return kept.text


@pytest.fixture
def opal():
    return make_user(username="opal", display_name="Opal Quist")


@pytest.fixture
def thread(opal):
    thread = make_thread(author=opal, title="Kept posts", body="The first words.")
    make_reply(thread, author=make_user(username="rhys", display_name="Rhys"), body="A first answer.")
    return thread


@pytest.fixture(params=["guest", "member"])
def reader(request, app):
    """A client reading as a guest, or as a signed-in member (@mara), and the member or None."""
    client = app.test_client()
    if request.param == "guest":
        return client, None
    mara = make_user(username="mara", display_name="Mara")
    sign_in(client, mara)
    return client, mara


def _reply(thread, reader):
    posts.add_reply(thread, make_user(username="tove"), "A reply that came later.", parent_id=first_post(thread).id)
    return ["A reply that came later.", '<p class="replies">Reply from'], []


def _edit(thread, reader):
    post = first_post(thread)
    posts.edit_post(post, post.author, "The first words, edited.", None)
    return ["The first words, edited."], ["The first words.</p>"]


def _like(thread, reader):
    reactions.react(make_user(), first_post(thread), "like")
    return ['<span class="visually-hidden">Like </span>1</span>'], []


def _reaction(thread, reader):
    post = first_post(thread)
    reactions.react(make_user(), post, "like")
    reactions.react(make_user(), post, "😮")
    return ['<span class="visually-hidden">Surprised </span>1</span>'], []


def _removal(thread, reader):
    post = first_post(thread)
    flags.hide_post(make_user(role="moderator"), post, "Off topic")
    return ["Removed by a moderator: Off topic"], ["The first words."]


def _deleted_by_author(thread, reader):
    reply = make_reply(thread, body="Soon gone.")
    posts.delete_post(reply, reply.author)
    return ["This post was deleted by its author."], ["Soon gone."]


def _new_name(thread, reader):
    accounts.update_profile(thread.author, "Opal Renamed", "full")
    return ["Opal Renamed"], ["Opal Quist"]


def _short_name(thread, reader):
    accounts.update_profile(thread.author, "Opal Quist", "short")
    return ["Opal Q."], ["Opal Quist"]


def _deleted_author(thread, reader):
    account.delete_account(thread.author, PASSWORD, keep_posts=True)
    return ["deleted member"], ["Opal Quist", "/u/opal"]


def _banned_author(thread, reader):
    sanctions.issue(make_user(role="moderator"), thread.author,
                    SanctionRequest(kind="ban", reason="Spam", remove_posts=True))
    return ["Removed: the member was banned."], ["The first words."]


CHANGES = [_reply, _edit, _like, _reaction, _removal, _deleted_by_author, _new_name, _short_name,
           _deleted_author, _banned_author]


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__.strip("_"))
def test_every_change_a_reader_can_see_shows_at_once(app, thread, reader, change):
    client, member = reader
    page(app, client, thread)
    page(app, client, thread)
    assert len(app.extensions["post_html"]) >= 2  # the posts were kept
    shown, gone = change(thread, member)
    text = page(app, client, thread)
    for words in shown:
        assert words in text
    for words in gone:
        assert words not in text


# --- What a member alone can change: their own reaction, whom they ignore, a sanction ----------

def test_the_readers_own_reaction_shows_pressed(app, client, thread):
    mara = make_user(username="mara")
    sign_in(client, mara)
    assert 'aria-pressed="true"' not in posts_of(page(app, client, thread))
    reactions.react(mara, first_post(thread), "like")
    assert 'aria-pressed="true"' in posts_of(page(app, client, thread))


def test_ignoring_a_member_collapses_their_posts_and_quotes_of_them(app, client, thread, opal):
    mara = make_user(username="mara")
    make_reply(thread, body=quote_markdown(first_post(thread)) + "Quoting Opal.")
    sign_in(client, mara)
    assert "post-ignored" not in page(app, client, thread)
    preferences.ignore(mara, opal)
    text = page(app, client, thread)
    assert "post-ignored" in text and 'class="ignored-quote"' in text
    preferences.unignore(mara, opal)
    assert "post-ignored" not in page(app, client, thread)


def test_a_silenced_reader_is_offered_no_control(app, client, thread):
    mara = make_user(username="mara")
    sign_in(client, mara)
    assert "like-button" in page(app, client, thread)
    sanctions.issue(make_user(role="moderator"), mara, SanctionRequest(kind="silence", reason="Cool off.", days=1))
    text = page(app, client, thread)
    assert "like-button" not in text and "reply-action" not in text


def test_a_thread_ban_takes_reply_and_quote_away(app, client, thread):
    mara = make_user(username="mara")
    sign_in(client, mara)
    assert "reply-action" in page(app, client, thread)
    sanctions.issue(make_user(role="moderator"), mara,
                    SanctionRequest(kind="thread_ban", reason="Stay out.", days=1, thread_id=thread.id))
    text = page(app, client, thread)
    assert "reply-action" not in text and "like-button" in text


def test_a_new_role_for_the_author_makes_a_new_key(app, thread, opal):
    """No post shows a role yet, but one that did (a staff badge) would change with it."""
    from flask_login import login_user

    from forum.posts.service.display import conversation_for

    def key():
        db.session.expire_all()
        post = first_post(thread)
        with app.test_request_context():
            login_user(make_user())
            reader = html_cache.current_user._get_current_object()
            return html_cache._key(post, conversation_for(post.thread, [post], reader), reader)

    before = key()
    admin_members.change_role(make_user(role="admin"), opal, "moderator")
    assert key() != before


# --- Who sees what: names, own controls, tokens, staff ------------------------------------------

def test_a_full_name_kept_for_its_owner_is_never_shown_to_others(app, thread, opal):
    accounts.update_profile(opal, "Opal Quist", "short")
    own = app.test_client()
    sign_in(own, opal)
    text = page(app, own, thread)
    assert "Opal Quist" in text and ">Edit</" in text or "Edit" in text
    other = app.test_client()
    sign_in(other, make_user(username="mara"))
    text = page(app, other, thread)
    assert "Opal Quist" not in posts_of(text) and "Opal Q." in text
    assert 'edit_form' not in text and "/edit" not in posts_of(text)


def test_each_member_gets_their_own_csrf_token_and_a_guest_none(app, thread):
    tokens = []
    for name in ("mara", "nils"):
        client = app.test_client()
        sign_in(client, make_user(username=name))
        text = page(app, client, thread)
        assert kept_html.CSRF_SLOT not in text
        in_posts = set(re.findall(r'name="csrf_token" value="([^"]+)"', posts_of(text)))
        assert len(in_posts) == 1
        tokens.append(in_posts.pop())
    assert tokens[0] != tokens[1]
    guest = app.test_client()
    answer = guest.get(address(thread))
    assert "csrf_token" not in posts_of(answer.text) and "Set-Cookie" not in answer.headers


def test_staff_are_rendered_afresh_with_their_tools(app, client, thread):
    sign_in(client, make_user(username="molly", role="moderator"))
    before = len(app.extensions["post_html"])
    text = page(app, client, thread)
    assert "Sanction author" in text and len(app.extensions["post_html"]) == before


def test_relative_times_keep_growing_older(app, client, thread, monkeypatch):
    sign_in(client, make_user(username="mara"))
    assert "just now" in page(app, client, thread)
    later = kept_html.utcnow() + timedelta(hours=3)
    monkeypatch.setattr(kept_html, "utcnow", lambda: later)
    monkeypatch.setattr("forum.templating.utcnow", lambda: later)
    text = page(app, client, thread)
    assert "3 hours ago" in text and "just now" not in posts_of(text)


def test_no_post_can_name_a_slot():
    """The markers hold a secret made when the worker starts: a post cannot contain one on purpose."""
    assert len(kept_html.CSRF_SLOT) > 40 and "csrf" in kept_html.CSRF_SLOT


def test_the_store_forgets_the_least_recently_used_post_beyond_its_size():
    store = kept_html.KeptHtml(max_bytes=250)
    store.put("a", "x", 100)
    store.put("b", "y", 100)
    assert store.get("a") == "x"  # now the most recently used
    store.put("c", "z", 100)
    assert store.get("b") is None and store.get("a") == "x" and store.get("c") == "z"


@pytest.mark.parametrize("ask", ["page", "fragment"])
def test_no_slot_is_left_in_a_page_or_its_posts_fragment(app, client, thread, ask):
    """The slots are filled once for all of a page's posts: the posts alone (htmx, ?page=N) too."""
    sign_in(client, make_user(username="mara"))
    for _ in range(2):  # rendered, then kept
        answer = client.fragment(address(thread)) if ask == "fragment" else client.get(address(thread))
        assert answer.status_code == 200 and 'class="post' in answer.text
        assert kept_html.MARK not in answer.text and 'name="csrf_token" value="' in answer.text
