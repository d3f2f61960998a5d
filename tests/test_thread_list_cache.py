"""Thread lists kept per worker (forum/threads/views/rows.py for the rows, forum/unchanged.py for the
count, the page of threads and the categories): every change a reader could see shows at once, for
guests, members and staff, and a kept list is exactly what rendering it with nothing kept gives.

The guest page cache is off here, so that guests' lists are rendered, through the kept answers."""

import re
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import update

from forum import kept_html, unchanged
from forum.account import service as account
from forum.admin.service import categories as admin_categories
from forum.auth.service import accounts
from forum.database import write_transaction
from forum.extensions import db
from forum.models import SiteSetting, Thread, User
from forum.moderation.service import threads as moderation
from forum.threads import service as thread_lists
from tests.factories import PASSWORD, make_category, make_reply, make_thread, make_user

APP_CONFIG = {"PAGE_CACHE_SECONDS": 0, "THREADS_PER_PAGE": 3}


def sign_in(client, member):
    client.sign_in(member)
    client.get("/")  # reads the "Signed in" message, which a page shows once


def comparable(html: str) -> str:
    """A page without what differs per answer: the nonce and the CSRF token."""
    html = re.sub(r'nonce="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": ?"[^"]+"', "", html)
    return re.sub(r'name="csrf_token"( type="hidden")? value="[^"]+"', "", html)


def listing(app, client, url="/") -> str:
    """The list at `url` as `client` sees it, checked against the same page rendered with nothing kept."""
    kept = client.get(url)
    assert kept.status_code == 200
    kept_rows, kept_answers = app.extensions.pop("thread_rows"), app.extensions["unchanged"]
    app.extensions["unchanged"] = unchanged.Answers()
    try:
        fresh = client.get(url).text
    finally:
        app.extensions["thread_rows"], app.extensions["unchanged"] = kept_rows, kept_answers
    assert comparable(kept.text) == comparable(fresh)
    return kept.text


def thread_list(html: str) -> str:
    return html[html.index('<div id="thread-list">'):html.index('<nav class="categories"')]


def member_named(username) -> User:
    return db.session.scalar(db.select(User).where(User.username == username))


def fresh(thread) -> Thread:
    return db.session.get(Thread, thread.id)


@pytest.fixture
def hall():
    return make_category(name="Town hall", slug="hall")


@pytest.fixture
def older(hall):
    thread = make_thread(author=make_user(display_name="Opal Quist"), category=hall, title="Older thread")
    make_reply(thread, author=make_user(username="rhys", display_name="Rhys Last"))
    return thread


@pytest.fixture
def newer(hall, older):
    return make_thread(author=make_user(display_name="Nell Newer"), category=hall, title="Newer thread")


@pytest.fixture(params=["guest", "member", "staff"])
def reader(request, app):
    """A client reading as a guest, a signed-in member or a moderator, and which of them it is."""
    client = app.test_client()
    if request.param != "guest":
        sign_in(client, make_user(username={"member": "mara", "staff": "molly"}[request.param], role="moderator" if request.param == "staff" else "member"))
    return client, request.param


def _new_thread(hall, older, newer, kind):
    make_thread(category=hall, title="Brand new thread")
    make_thread(category=hall, title="Another new thread")
    return ["Brand new thread", "Another new thread", 'rel="next"'], ["Older thread"]


def _reply(hall, older, newer, kind):
    make_reply(older, author=make_user(display_name="Tove Later"))
    return ['last post by <bdi class="last-poster">Tove Later</bdi>', "2 replies"], ["Rhys Last", "1 reply"]


def _title(hall, older, newer, kind):
    with write_transaction() as session:
        session.execute(update(Thread).where(Thread.id == older.id).values(title="Older thread, retitled"))
    return ["Older thread, retitled"], []


def _move(hall, older, newer, kind):
    moderation.move(make_user(role="moderator"), older, make_category(name="Elsewhere", slug="elsewhere"))
    return ['href="/c/elsewhere">Elsewhere</a>'], []


def _pin(hall, older, newer, kind):
    moderation.pin(make_user(role="moderator"), older)
    return ['<span class="badge badge-pinned">Pinned</span>'], []


def _lock(hall, older, newer, kind):
    moderation.lock(make_user(role="moderator"), older)
    return ['<span class="badge badge-locked">Locked</span>'], []


def _removal(hall, older, newer, kind):
    moderation.remove(make_user(role="moderator"), older, "Doxxing")
    return ["Newer thread"], ["Older thread"]


def _restore(hall, older, newer, kind):
    moderator = make_user(role="moderator")
    moderation.remove(moderator, older, "Doxxing")
    moderation.restore(moderator, fresh(older))
    return ["Older thread", "Newer thread"], []


def _short_name(hall, older, newer, kind):
    accounts.update_profile(member_named("rhys"), "Rhys Last", "short")  # staff still see the full name
    return (['<bdi class="last-poster">Rhys Last</bdi>'], []) if kind == "staff" else (
        ['<bdi class="last-poster">Rhys L.</bdi>'], ["Rhys Last"])


def _new_name_of_the_last_poster(hall, older, newer, kind):
    accounts.update_profile(member_named("rhys"), "Rhys Renamed", "full")
    return ['<bdi class="last-poster">Rhys Renamed</bdi>'], ["Rhys Last"]


def _deleted_account(hall, older, newer, kind):
    account.delete_account(member_named("rhys"), PASSWORD, keep_posts=True)
    return ['<bdi class="last-poster">deleted member</bdi>'], ["Rhys Last"]


def _members_only(hall, older, newer, kind):
    admin_categories.update_category(make_user(role="admin"), hall, admin_categories.CategoryFields(
        name="Town hall", slug="hall", members_only=True))
    return [], []  # who sees what: checked in the test


def _category_renamed(hall, older, newer, kind):
    admin_categories.update_category(make_user(role="admin"), hall, admin_categories.CategoryFields(
        name="Town square", slug="hall", description="Where the town meets"))
    return ['href="/c/hall">Town square</a>'], ["Town hall"]


def _settings(hall, older, newer, kind):
    with write_transaction() as session:
        session.merge(SiteSetting(name="SITE_DESCRIPTION", value='"Boats and their people"'))
    current_app.extensions["settings"].forget()
    return ["Boats and their people"], []


CHANGES = [_new_thread, _reply, _title, _move, _pin, _lock, _removal, _restore, _short_name,
           _new_name_of_the_last_poster, _deleted_account, _members_only,
           _category_renamed, _settings]


@pytest.mark.parametrize("url", ["/", "/c/hall"])
@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__.strip("_"))
def test_every_change_a_reader_can_see_shows_at_once(app, hall, older, newer, reader, change, url):
    reader, kind = reader
    for _ in range(2):
        listing(app, reader, url)
    assert len(app.extensions["thread_rows"]) >= 2  # the rows were kept
    shown, gone = change(hall, older, newer, kind)
    if change is _move and url != "/":
        shown, gone = [], ["Older thread"]
    if change is _settings and url != "/":
        shown = []  # a category's page says what the category is about instead
    if change is _category_renamed and url != "/":
        shown.append('<p class="lede">Where the town meets</p>')
    if change is _members_only and kind == "guest":
        shown, gone, url = [], ["Older thread", "Newer thread"], "/"
    elif change is _members_only:
        shown = ['Town hall</a> <span class="badge badge-members">Members only</span>']
    text = listing(app, reader, url)
    for words in shown:
        assert words in text
    for words in gone:
        assert words not in (text if change is _category_renamed else thread_list(text))


# --- What differs per reader: their reading, their own name, what a guest may read --------------

def test_the_members_reading_shows_and_goes_as_they_read(app, client, hall, older, newer):
    mara = make_user(username="mara")
    sign_in(client, mara)
    with write_transaction() as session:  # mara joined before both threads last moved
        session.execute(update(User).where(User.id == mara.id).values(created_at=older.created_at - timedelta(days=1)))
    assert thread_list(listing(app, client)).count('<span class="badge badge-new">New</span>') == 2
    client.get(f"/t/{older.id}-{older.slug}")  # reads it all
    text = thread_list(listing(app, client))
    assert text.count('<span class="badge badge-new">New</span>') == 1 and "unread" not in text
    make_reply(fresh(older), body="One more.")
    make_reply(fresh(older), body="And another.")
    text = thread_list(listing(app, client))
    assert f'<a class="badge badge-unread" href="/t/{older.id}/unread">2 unread</a>' in text
    assert f'<a class="thread-title" href="/t/{older.id}/unread">Older thread</a>' in text
    client.get(f"/t/{older.id}-{older.slug}")
    text = thread_list(listing(app, client))
    assert "unread" not in text and f'<a class="thread-title" href="/t/{older.id}-{older.slug}">Older thread</a>' in text
    other = app.test_client()  # another member's reading is their own
    sign_in(other, make_user(username="nils"))
    assert "unread" not in thread_list(listing(app, other))


@pytest.mark.parametrize("guest_first", [True, False], ids=["guest first", "member first"])
def test_a_guest_never_sees_what_a_member_was_shown_nor_the_reverse(app, hall, older, newer, guest_first):
    lounge = make_category(name="Lounge", slug="lounge", members_only=True)
    make_thread(category=lounge, title="For members")
    make_thread(category=hall, title="For everyone")
    guest, member = app.test_client(), app.test_client()
    sign_in(member, make_user(username="mara"))
    for client in (guest, member) if guest_first else (member, guest):
        text = listing(app, client)
        if client is guest:
            assert "For members" not in text and 'rel="next"' not in text  # three threads: one page
        else:
            assert "For members" in text and 'rel="next"' in text  # four: two pages


def test_a_member_sees_their_own_full_name_and_others_the_short_one(app, hall):
    opal = make_user(username="opal", display_name="Opal Quist", name_style="short")
    thread = make_thread(author=opal, category=hall, title="Opal's thread")
    guest, own, other, staff = (app.test_client() for _ in range(4))
    sign_in(own, opal)
    own.get(f"/t/{thread.id}-{thread.slug}")  # read: no mark on her row, as on the others'
    sign_in(other, make_user(username="nils"))
    sign_in(staff, make_user(username="molly", role="moderator"))
    for client, name in ((guest, "Opal Q."), (own, "Opal Quist"), (other, "Opal Q."), (staff, "Opal Quist"),
                         (guest, "Opal Q.")):
        text = thread_list(listing(app, client))
        assert "New</span>" not in text and "unread" not in text
        assert f"started by <bdi>{name}</bdi>" in text and f'<bdi class="last-poster">{name}</bdi>' in text


def test_relative_times_keep_growing_older(app, client, hall, older, newer, monkeypatch):
    assert "just now" in thread_list(listing(app, client))
    later = kept_html.utcnow() + timedelta(hours=3)
    monkeypatch.setattr(kept_html, "utcnow", lambda: later)
    monkeypatch.setattr("forum.templating.utcnow", lambda: later)
    text = thread_list(listing(app, client))
    assert "3 hours ago" in text and "just now" not in text


def test_no_title_can_name_a_slot():
    """The markers hold a secret made when the worker starts: a title cannot contain one on purpose."""
    assert len(kept_html.MARK) >= 24



def test_only_the_first_pages_of_a_list_are_kept(app, client, hall, older, newer, monkeypatch):
    monkeypatch.setattr(thread_lists, "KEPT_PAGES", 1)
    for n in range(3):
        make_thread(category=hall, title=f"Filler {n}")
    assert "Older thread" in thread_list(listing(app, client, "/?page=2"))
    assert "Older thread" in thread_list(listing(app, client, "/?page=2"))
    listing(app, client, "/")
    kept = [key for key in app.extensions["unchanged"].kept if key[0] == "latest threads"]
    assert kept == [("latest threads", None, 0, 3, "guest")]


def test_a_kept_list_costs_few_queries(app, hall, older, newer, queries):
    guest, member = app.test_client(), app.test_client()
    sign_in(member, make_user(username="mara"))
    counts = []
    for client in (guest, member):
        client.get("/")  # keeps the list
        db.session.expunge_all()
        queries.clear()
        assert client.get("/").status_code == 200
        counts.append(len(queries))
    # a guest: the version alone. A member: who they are with their own state (their login session, a
    # sanction in force, their unread counts: forum/member_state.py) and the version, and how far they read
    # these threads.
    assert counts == [1, 2]
