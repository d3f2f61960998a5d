"""The guest page cache (forum/page_cache.py): whom it answers, what it never serves, what makes it stale.

It is on here with the settings of every other test (tests/conftest.py), as it is in production."""

import re

import pytest
from flask import render_template_string
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from forum import page_cache
from forum.account import service as account
from forum.auth.service import accounts, sessions
from forum.extensions import db
from forum.members.service import preferences
from forum.models import Post, Thread
from forum.moderation.service import threads as thread_moderation
from forum.notifications import service as notifications
from forum.page_cache import HEADER, Page, PageCache
from forum.posts.service import drafts, reactions
from forum.posts import service as posts
from tests.conftest import HTMX
from tests.factories import PASSWORD, make_reply, make_thread, make_user


def address(thread) -> str:
    return f"/t/{thread.id}-{thread.slug}"


def first_post(thread) -> Post:
    return db.session.scalars(select(Post).where(Post.thread_id == thread.id).order_by(Post.id)).first()


def cached_twice(client, url, **kwargs):
    """Ask for `url` twice as the same guest: the first is rendered, the second must be reused."""
    first = client.get(url, **kwargs)
    assert first.status_code == 200 and first.headers[HEADER] == "miss"
    second = client.get(url, **kwargs)
    assert second.headers[HEADER] == "hit"
    return second


@pytest.fixture
def thread():
    return make_thread(author=make_user(username="opal", display_name="Opal"), title="Cached for guests",
                       body="The first words.")


def test_a_guest_is_answered_from_memory_the_second_time_reading_only_the_version(app, client, thread, queries,
                                                                                   monkeypatch):
    url = address(thread)
    first = client.get(url)
    queries.clear()
    versions_read = []
    middleware = app.extensions["page_cache"]
    monkeypatch.setattr(middleware, "current_version",
                        lambda: versions_read.append(1) or type(middleware).current_version(middleware))
    second = client.get(url)
    assert second.headers[HEADER] == "hit" and second.text.replace(_nonce(second), "") == \
        first.text.replace(_nonce(first), "")
    assert queries == [] and versions_read == [1]  # only: has the site changed?


def test_lists_categories_and_profiles_are_cached_too(client, thread):
    for url in ("/", f"/c/{thread.category.slug}", "/u/opal", address(thread) + "?page=1&order=newest"):
        assert "Cached for guests" in cached_twice(client, url).text or url == "/u/opal"


def test_a_stale_page_is_rendered_again_after_one_version_read(app, client, thread, monkeypatch):
    url = address(thread)
    cached_twice(client, url)
    make_reply(thread, body="Makes the kept page stale.")
    versions_read = []
    middleware = app.extensions["page_cache"]
    monkeypatch.setattr(middleware, "current_version",
                        lambda: versions_read.append(1) or type(middleware).current_version(middleware))
    page = client.get(url)
    assert page.headers[HEADER] == "miss" and "Makes the kept page stale." in page.text
    assert versions_read == [1]
    assert client.get(url).headers[HEADER] == "hit"


def test_each_reuse_has_its_own_nonce_matching_its_policy(client, thread):
    pages = [client.get(address(thread)) for _ in range(3)]
    nonces = [_nonce(page) for page in pages]
    assert len(set(nonces)) == 3
    for page, nonce in zip(pages, nonces):
        assert f"'nonce-{nonce}'" in page.headers["Content-Security-Policy"]
        assert page.text.count(f'nonce="{nonce}"') == 3  # every script of the page


def test_an_answer_from_memory_has_every_header_a_rendered_one_has(client, thread):
    rendered, kept = client.get(address(thread)), client.get(address(thread))
    differ = {"Content-Security-Policy", "Server-Timing", HEADER, "X-Request-ID"}  # made for each answer
    assert sorted(kept.headers.keys()) == sorted(rendered.headers.keys())
    assert {k: v for k, v in kept.headers.items() if k not in differ} == \
        {k: v for k, v in rendered.headers.items() if k not in differ}
    assert "X-Frame-Options" in kept.headers and "Cookie" in kept.headers["Vary"]


def test_a_page_and_its_fragment_are_kept_apart(client, thread):
    cached_twice(client, address(thread))
    fragment = client.get(address(thread), headers=HTMX)
    assert fragment.headers[HEADER] == "miss" and "<html" not in fragment.text
    assert "<html" in client.get(address(thread)).text
    assert "<html" not in cached_twice(client, address(thread) + "?page=1", headers=HTMX).text


def test_guest_pages_set_no_cookie_and_carry_no_csrf_token(client, thread):
    page = client.get(address(thread))
    assert "Set-Cookie" not in page.headers
    assert "csrf" not in page.text.lower()


def test_a_member_is_never_answered_from_the_cache_nor_fills_it(app, client, thread):
    member = make_user(display_name="Marigold")
    cached_twice(app.test_client(), address(thread))
    client.sign_in(member)
    for _ in range(2):
        page = client.get(address(thread))
        assert HEADER not in page.headers
        assert "Marigold" in page.text and "csrf_token" in page.text
    guest = app.test_client().get(address(thread))
    assert guest.headers[HEADER] == "hit" and "Marigold" not in guest.text and "Sign in" in guest.text


def test_a_remember_me_cookie_skips_the_cache(app, client, thread):
    member = make_user(display_name="Remembered")
    cached_twice(app.test_client(), address(thread))
    client.sign_in(member, remember=True)
    client.delete_cookie("session")  # the browser was closed: only the remember-me cookie is left
    page = client.get(address(thread))
    assert HEADER not in page.headers and "Remembered" in page.text


def test_a_visitor_with_a_message_waiting_sees_it(app, client, thread):
    member = make_user()
    cached_twice(app.test_client(), "/")
    client.sign_in(member)
    client.submit("/logout")
    page = client.get("/")
    assert page.headers[HEADER] == "miss" and "You are signed out." in page.text
    assert "You are signed out." not in app.test_client().get("/").text


def test_a_guest_who_opened_the_sign_in_form_is_still_a_guest(app, client, thread):
    cached_twice(app.test_client(), address(thread))
    client.get("/login")  # the session now holds a CSRF token, and nothing else of theirs
    answers = [client.get(address(thread)) for _ in range(3)]
    assert answers[-1].headers[HEADER] == "hit"  # once Flask has answered that session as a guest's
    assert client.csrf_token() not in answers[-1].text


def test_pages_rendered_for_a_visitor_with_a_session_are_never_kept(app, client, thread):
    client.get("/login")
    token = client.csrf_token()
    for _ in range(3):
        assert client.get(address(thread) + "?page=1").headers[HEADER] == "miss"
    for _ in range(2):  # until a guest with no session fills it: rendered, then kept
        page = client.get(address(thread))
        assert page.headers[HEADER] == "miss" and token not in page.text
    assert app.test_client().get(address(thread)).headers[HEADER] == "miss"
    assert client.get(address(thread)).headers[HEADER] == "hit"


def test_a_browser_whose_session_was_ended_elsewhere_is_a_guest_again(app, client, thread):
    member = make_user(display_name="Signed Out Elsewhere")
    cached_twice(app.test_client(), address(thread))
    client.sign_in(member)
    assert "Signed Out Elsewhere" in client.get(address(thread)).text
    [session] = sessions.current_sessions(member)
    sessions.end(member, session.id)  # "sign out" from another browser: this cookie now holds nobody
    answers = [client.get(address(thread)) for _ in range(3)]
    assert answers[0].headers[HEADER] == "miss" and answers[-1].headers[HEADER] == "hit"
    assert all("Signed Out Elsewhere" not in answer.text and "Sign in" in answer.text for answer in answers)


def test_only_pages_that_allow_it_are_cached(client, thread):
    for url in ("/search?q=first", "/login", f"/p/{first_post(thread).id}"):
        assert HEADER not in client.get(url).headers


def test_refusals_are_not_kept(client):
    for _ in range(2):
        refused = client.get("/t/999-nothing")
        assert refused.status_code == 404 and HEADER not in refused.headers


def test_pages_expire_after_page_cache_seconds(client, thread, monkeypatch):
    cached_twice(client, address(thread))
    now = page_cache.time.monotonic()
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: now + 31)
    assert client.get(address(thread)).headers[HEADER] == "miss"


# --- What makes a page stale: every change a guest could see, and nothing else -----------------

def _reply(thread):
    make_reply(thread, body="A reply that came later.")
    return "A reply that came later."


def _edit(thread):
    post = first_post(thread)
    posts.edit_post(post, post.author, "The first words, edited.", None)
    return "The first words, edited."


def _like(thread):
    reactions.react(make_user(), first_post(thread), "like")
    return '<span class="visually-hidden">Like </span>1</span>'


def _reaction(thread):
    post = first_post(thread)
    reactions.react(make_user(), post, "like")
    reactions.react(make_user(), post, "😮")
    return '<span class="visually-hidden">Surprised </span>1</span>'


def _removal(thread):
    reply = make_reply(thread, body="Soon gone.")
    return ("Soon gone.", lambda: posts.delete_post(reply, reply.author))


def _lock(thread):
    thread_moderation.lock(make_user(role="moderator"), thread)
    return "Locked: no new replies."


def _new_name(thread):
    accounts.update_profile(thread.author, "Opal Renamed", "full")
    return "Opal Renamed"


def _deleted_author(thread):
    account.delete_account(thread.author, PASSWORD, keep_posts=True)
    return "deleted member"


@pytest.mark.parametrize("change", [_reply, _edit, _like, _reaction, _lock, _new_name, _deleted_author],
                         ids=lambda change: change.__name__.strip("_"))
def test_any_change_a_guest_can_see_makes_the_page_stale(client, thread, change):
    cached_twice(client, address(thread))
    shown = change(thread)
    page = client.get(address(thread))
    assert page.headers[HEADER] == "miss" and shown in page.text


def test_a_changed_reaction_makes_the_page_stale_though_the_count_is_the_same(client, thread):
    member, post = make_user(), first_post(thread)
    reactions.react(member, post, "like")
    assert '<span class="visually-hidden">Like </span>1</span>' in cached_twice(client, address(thread)).text
    reactions.react(member, post, "😮")
    page = client.get(address(thread))
    assert page.headers[HEADER] == "miss" and '<span class="visually-hidden">Surprised </span>1</span>' in page.text
    assert '<span class="visually-hidden">Like </span>' not in page.text


def test_a_removal_takes_the_post_out_of_the_cached_page(client, thread):
    text, remove = _removal(thread)
    assert text in cached_twice(client, address(thread)).text
    remove()
    page = client.get(address(thread))
    assert page.headers[HEADER] == "miss" and text not in page.text


def test_a_change_a_test_commits_itself_makes_the_page_stale_too(client, thread):
    """tests/conftest.py: a plain commit in a test counts as a public change, so no test sees a stale page."""
    cached_twice(client, address(thread))
    db.session.get(Thread, thread.id).title = "Renamed by hand"
    db.session.commit()
    page = client.get(address(thread))
    assert page.headers[HEADER] == "miss" and "Renamed by hand" in page.text


def test_changes_no_guest_can_see_keep_the_page(app, client, thread):
    cached_twice(client, address(thread))
    member = make_user()
    make_reply(thread, author=thread.author, body=f"Hello @{member.username}")  # a notification
    cached_twice(client, address(thread))
    reader = app.test_client()
    reader.sign_in(member)
    reader.get(address(thread))  # records what the member has read
    drafts.save_draft(member, thread, "Half a thought")
    preferences.set_watch_level(member, thread, "watching")
    notifications.mark_all_read(member)
    assert client.get(address(thread)).headers[HEADER] == "hit"


# --- The store itself ---------------------------------------------------------------------------

def _page(size: int, version="v1", expires=float("inf")) -> Page:
    return Page(version, expires, b"x" * size, [], "nonce")


def test_the_store_forgets_the_least_recently_used_page_beyond_its_size():
    store = PageCache(seconds=30, max_bytes=250)
    store.put("a", _page(100))
    store.put("b", _page(100))
    assert store.get("a", "v1") is not None  # now "b" is the least recently used
    store.put("c", _page(100))
    assert store.get("b", "v1") is None
    assert store.get("a", "v1") is not None and store.get("c", "v1") is not None


def test_the_store_answers_only_for_the_current_version():
    store = PageCache(seconds=30, max_bytes=1000)
    store.put("a", _page(10, version="v1"))
    assert store.get("a", "v2") is None
    assert store.get("a", "v1") is None  # a stale page is dropped, not kept for later


def _nonce(response) -> str:
    return re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)


def test_no_cached_page_holds_a_token_of_the_guest_who_opened_a_form(app, client, thread):
    client.get("/login")  # the session now holds this guest's CSRF token
    token = client.csrf_token()
    urls = ("/", f"/c/{thread.category.slug}", address(thread), "/u/opal")
    answers = [client.get(url) for url in urls * 2]  # rendered for them: never kept
    for url in urls:
        cached_twice(app.test_client(), url)
    answers += [client.get(url) for url in urls]
    assert [answer.headers[HEADER] for answer in answers[-4:]] == ["hit"] * 4
    assert all(token not in answer.text for answer in answers)


def test_a_page_that_renders_a_token_is_never_kept(app, client):
    @app.get("/token-page")
    @page_cache.for_guests
    def token_page():
        return render_template_string("<p>{{ csrf_token() }}</p>")

    assert [app.test_client().get("/token-page").headers[HEADER] for _ in range(2)] == ["miss", "miss"]
    client.get("/login")  # a guest whose session holds a token already: rendering it sets no cookie
    token = client.csrf_token()
    assert [client.get("/token-page").headers[HEADER] for _ in range(3)] == ["miss", "miss", "miss"]
    assert token not in app.test_client().get("/token-page").text


def test_a_page_is_rendered_afresh_when_the_version_cannot_be_read(app, client, thread, monkeypatch):
    cached_twice(client, address(thread))
    make_reply(thread, body="Written while the version could not be read.")

    def database_away():
        raise OperationalError("SELECT pages_version", {}, Exception("the database is away"))

    monkeypatch.setattr(app.extensions["page_cache"], "current_version", database_away)
    answer = client.get(address(thread))
    assert answer.status_code == 200 and HEADER not in answer.headers
    assert "Written while the version could not be read." in answer.text


def test_version_reads_hold_no_connection_of_the_apps_pool_and_outlive_a_lost_one(app, client, thread):
    url = address(thread)
    cached_twice(client, url)
    db.session.remove()
    assert db.engine.pool.checkedout() == 0
    assert client.get(url).headers[HEADER] == "hit"
    assert db.engine.pool.checkedout() == 0  # requests never wait for a connection the cache holds
    app.extensions["page_cache"]._reader.close()  # the database restarted, say
    lost = client.get(url)
    assert lost.status_code == 200 and HEADER not in lost.headers  # rendered by Flask, never stale
    assert client.get(url).headers[HEADER] == "hit"  # on a new connection
