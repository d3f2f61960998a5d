"""Thread moderation: lock, pin, move, slow mode, remove and restore, through the service and as
pages and fragments, with what members and guests see and may do afterwards."""

from datetime import timedelta

import pytest

from forum.database import write_transaction
from forum.extensions import db
from forum.models import ModAction, Post, Thread
from forum.models.base import utcnow
from forum.moderation.service import threads as moderation
from forum.policy import WriteRefused
from forum.pagination import Page
from forum.posts import service as posts
from forum.refusals import Conflict, FieldError
from forum.threads import service as thread_lists
from tests.conftest import HTMX
from tests.factories import make_category, make_thread, make_user


def assert_varies(response):
    vary = {v.strip() for v in response.headers.get("Vary", "").split(",")}
    assert {"HX-Request", "HX-Request-Type"} <= vary


def url_of(thread):
    return f"/t/{thread.id}-{thread.slug}"


def fresh(thread):
    return db.session.get(Thread, thread.id)


def actions():
    return [(a.action, a.target_type, a.target_id) for a in db.session.scalars(db.select(ModAction).order_by(ModAction.id))]


def age(thread, days):
    with write_transaction() as session:
        session.get(Thread, thread.id).last_post_at = utcnow() - timedelta(days=days)


def post_count(thread):
    return db.session.scalar(db.select(db.func.count(Post.id)).where(Post.thread_id == thread.id))


@pytest.fixture
def category(app):
    return make_category(name="Town hall")


@pytest.fixture
def thread(category):
    return make_thread(category=category, title="The bridge vote")


@pytest.fixture
def moderator(app):
    return make_user(username="modsue", role="moderator")


@pytest.fixture
def member(app):
    return make_user(username="citizen")


@pytest.fixture
def as_moderator(client, moderator):
    client.sign_in(moderator)
    return moderator


# The rules, through the service


def test_a_locked_thread_refuses_a_members_reply_but_not_staffs(thread, moderator, member):
    moderation.lock(moderator, thread, "Heated")
    with pytest.raises(WriteRefused, match="locked"):
        posts.add_reply(fresh(thread), member, "Let me in")
    posts.add_reply(fresh(thread), moderator, "Closing note from the moderators")
    assert post_count(thread) == 2
    moderation.unlock(moderator, fresh(thread))
    posts.add_reply(fresh(thread), member, "Thanks for reopening")
    assert actions() == [("lock", "thread", thread.id), ("unlock", "thread", thread.id)]
    lock = db.session.scalar(db.select(ModAction))
    assert lock.public_reason == "Heated" and lock.actor_id == moderator.id


def test_pinned_threads_come_first_in_every_list(category, moderator):
    old = make_thread(category=category, title="Old rules")
    new = make_thread(category=category, title="New chatter")
    age(old, 10)
    moderation.pin(moderator, old)
    for listed in (thread_lists.latest_threads(Page(number=1, per_page=25, total=2)),
                   thread_lists.latest_threads(Page(number=1, per_page=25, total=2), category)):
        assert [t.id for t in listed] == [old.id, new.id]
    moderation.unpin(moderator, fresh(old))
    assert [t.id for t in thread_lists.latest_threads(Page(number=1, per_page=25, total=2))] == [new.id, old.id]


def test_a_removed_thread_leaves_the_lists_and_is_hidden_from_all_but_staff(category, thread, moderator, member):
    other = make_thread(category=category, title="Still here")
    moderation.remove(moderator, thread, "Doxxing")
    assert thread_lists.count_threads() == 1 and thread_lists.count_threads(category) == 1
    assert [t.id for t in thread_lists.latest_threads(Page(number=1, per_page=25, total=1))] == [other.id]
    assert thread_lists.get_thread(thread.id, viewer=member) is None
    assert thread_lists.get_thread(thread.id, viewer=moderator).id == thread.id
    with pytest.raises(WriteRefused):
        posts.add_reply(fresh(thread), moderator, "Nobody replies in a removed thread")
    moderation.restore(moderator, fresh(thread))
    assert thread_lists.get_thread(thread.id, viewer=member).id == thread.id
    assert thread_lists.count_threads() == 2
    assert actions() == [("delete", "thread", thread.id), ("restore", "thread", thread.id)]


def test_moving_a_thread_changes_its_category_and_its_lists(category, thread, moderator):
    elsewhere = make_category(name="Elsewhere")
    moderation.move(moderator, thread, elsewhere, "Off topic here")
    assert fresh(thread).category_id == elsewhere.id
    assert thread_lists.count_threads(category) == 0 and thread_lists.count_threads(elsewhere) == 1
    [move] = db.session.scalars(db.select(ModAction)).all()
    assert (move.action, move.public_reason, move.details) == ("move", "Off topic here", "from Town hall to Elsewhere")
    with pytest.raises(FieldError):
        moderation.move(moderator, fresh(thread), elsewhere)
    assert len(actions()) == 1


def test_slow_mode_slows_members_but_not_staff(thread, moderator, member):
    moderation.set_slow_mode(moderator, thread, 10)
    posts.add_reply(fresh(thread), member, "first")
    with pytest.raises(WriteRefused, match="one post every 10 minutes") as refused:
        posts.add_reply(fresh(thread), member, "second, too soon")
    assert refused.value.status == 429
    posts.add_reply(fresh(thread), moderator, "staff are not slowed")
    posts.add_reply(fresh(thread), moderator, "not even twice")
    moderation.end_slow_mode(moderator, fresh(thread))
    posts.add_reply(fresh(thread), member, "second, now allowed")
    assert fresh(thread).slow_mode_minutes is None
    assert [a[0] for a in actions()] == ["slow_mode", "slow_mode_off"]


@pytest.mark.parametrize("change, again", [
    (moderation.lock, "already locked"), (moderation.pin, "already pinned"), (moderation.remove, "already removed")])
def test_repeating_an_action_is_refused_and_logged_once(thread, moderator, change, again):
    change(moderator, thread)
    with pytest.raises(Conflict, match=again):
        change(moderator, fresh(thread))
    assert len(actions()) == 1


@pytest.mark.parametrize("undo, message", [
    (moderation.unlock, "not locked"), (moderation.unpin, "not pinned"), (moderation.restore, "not removed"),
    (moderation.end_slow_mode, "not in slow mode")])
def test_undoing_what_was_not_done_is_refused_and_not_logged(thread, moderator, undo, message):
    with pytest.raises(Conflict, match=message):
        undo(moderator, thread)
    assert actions() == []


def test_slow_mode_minutes_are_bounded(thread, moderator):
    for minutes in (0, -5, 1441):
        with pytest.raises(FieldError):
            moderation.set_slow_mode(moderator, thread, minutes)
    assert actions() == []


# What members and guests see


def test_a_locked_thread_says_so_and_has_no_composer_for_members(client, thread, moderator, member):
    moderation.lock(moderator, thread)
    client.sign_in(member)
    page = client.get(url_of(thread)).text
    assert "Locked: no new replies." in page
    assert 'id="reply-form"' not in page and "Moderate this thread" not in page
    response = client.submit(f"/t/{thread.id}/reply", {"body": "sneaking in"})
    assert response.status_code == 403 and "locked" in response.text
    assert post_count(thread) == 1


def test_staff_keep_the_composer_in_a_locked_thread(client, thread, as_moderator):
    moderation.lock(as_moderator, thread)
    page = client.get(url_of(thread)).text
    assert "Locked: no new replies." in page and 'id="reply-form"' in page
    assert client.submit(f"/t/{thread.id}/reply", {"body": "moderator note"}).status_code == 302
    assert post_count(thread) == 2


def test_slow_mode_and_pinning_are_shown(client, category, thread, moderator):
    moderation.set_slow_mode(moderator, thread, 5)
    moderation.pin(moderator, fresh(thread))
    moderation.lock(moderator, fresh(thread))
    page = client.get(url_of(thread)).text
    assert "Slow mode: one post every 5 minutes." in page and '<p class="badge badge-pinned">Pinned</p>' in page
    for listing in ("/", f"/c/{category.slug}"):
        html = client.get(listing).text
        assert '<span class="badge badge-pinned">Pinned</span>' in html
        assert '<span class="badge badge-locked">Locked</span>' in html


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_removed_thread_is_404_for_members_and_guests(client, thread, moderator, member, htmx):
    moderation.remove(moderator, thread)
    headers = HTMX if htmx else {}
    assert client.get(url_of(thread), headers=headers).status_code == 404
    assert client.get(f"/t/{thread.id}", headers=headers).status_code == 404
    assert thread.title not in client.get("/").text
    client.sign_in(member)
    assert client.get(url_of(thread), headers=headers).status_code == 404
    assert client.submit(f"/t/{thread.id}/reply", {"body": "hello?"}, htmx=htmx).status_code == 404
    assert post_count(thread) == 1


def test_staff_see_a_removed_thread_with_a_notice_and_no_composer(client, thread, as_moderator):
    moderation.remove(as_moderator, thread)
    response = client.get(url_of(thread))
    assert response.status_code == 200
    assert "only staff can see this thread" in response.text
    assert "This thread was removed: no new replies." in response.text and 'id="reply-form"' not in response.text
    assert "Restore thread" in response.text


# Every endpoint, as a page and as a fragment

SIMPLE = [
    # (route, prepare, check, flash)
    ("lock", None, lambda t: t.locked, "The thread is locked."),
    ("unlock", moderation.lock, lambda t: not t.locked, "The thread is unlocked."),
    ("pin", None, lambda t: t.pinned, "The thread is pinned."),
    ("unpin", moderation.pin, lambda t: not t.pinned, "The thread is unpinned."),
    ("delete", None, lambda t: t.removed_at is not None, "The thread is removed: only staff can see it."),
    ("restore", moderation.remove, lambda t: t.removed_at is None, "The thread is restored."),
    ("slow-mode/off", lambda m, t: moderation.set_slow_mode(m, t, 5), lambda t: t.slow_mode_minutes is None,
     "Slow mode is off."),
]


@pytest.mark.parametrize("route, prepare, check, message", SIMPLE, ids=[s[0] for s in SIMPLE])
def test_thread_action_as_page_redirects_to_the_thread_with_a_flash(client, thread, as_moderator, route, prepare,
                                                                    check, message):
    if prepare:
        prepare(as_moderator, thread)
    before = len(actions())
    response = client.submit(f"/mod/threads/{thread.id}/{route}", {"reason": "Because"})
    assert response.status_code == 302 and response.location == url_of(thread)
    assert check(fresh(thread))
    assert message in client.get(response.location).text
    assert len(actions()) == before + 1


@pytest.mark.parametrize("route, prepare, check, message", SIMPLE, ids=[s[0] for s in SIMPLE])
def test_thread_action_as_fragment_replaces_the_thread_status(client, thread, as_moderator, route, prepare, check,
                                                              message):
    if prepare:
        prepare(as_moderator, thread)
    before = len(actions())
    response = client.submit(f"/mod/threads/{thread.id}/{route}", {"reason": "Because"}, htmx=True)
    assert response.status_code == 200
    assert_varies(response)
    assert response.text.lstrip().startswith('<div id="thread-status" class="thread-status">')
    assert "<html" not in response.text and message in response.text
    assert '<details class="thread-tools" open>' in response.text
    assert check(fresh(thread))
    assert len(actions()) == before + 1


def test_lock_fragment_shows_the_notice_and_the_unlock_tool(client, thread, as_moderator):
    response = client.submit(f"/mod/threads/{thread.id}/lock", htmx=True)
    assert "Locked: no new replies." in response.text
    assert f'data-hx-post="/mod/threads/{thread.id}/unlock" data-hx-target="#thread-status"' in response.text


def test_move_as_page(client, thread, as_moderator):
    elsewhere = make_category(name="Elsewhere", slug="elsewhere")
    response = client.submit(f"/mod/threads/{thread.id}/move", {"category": "elsewhere"})
    assert response.status_code == 302 and response.location == url_of(thread)
    assert fresh(thread).category_id == elsewhere.id
    assert "The thread is moved to Elsewhere." in client.get(url_of(thread)).text
    assert [a[0] for a in actions()] == ["move"]


def test_move_as_fragment(client, thread, as_moderator):
    make_category(name="Elsewhere", slug="elsewhere")
    response = client.submit(f"/mod/threads/{thread.id}/move", {"category": "elsewhere"}, htmx=True)
    assert response.status_code == 200
    assert_varies(response)
    assert response.text.lstrip().startswith('<div id="thread-status"')
    assert "The thread is moved to Elsewhere." in response.text
    assert '<option value="category' in response.text  # the tools now offer the old category
    assert [a[0] for a in actions()] == ["move"]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
@pytest.mark.parametrize("target", ["nowhere", "same"])
def test_move_to_no_other_category_is_422(client, category, thread, as_moderator, htmx, target):
    make_category(name="Elsewhere")
    slug = category.slug if target == "same" else "nowhere"
    response = client.submit(f"/mod/threads/{thread.id}/move", {"category": slug}, htmx=htmx)
    assert response.status_code == 422
    assert "Choose another category to move the thread to." in response.text
    assert 'id="move-error"' in response.text and 'aria-invalid="true"' in response.text
    assert ("<html" in response.text) is not htmx
    assert fresh(thread).category_id == category.id and actions() == []


def test_slow_mode_as_page(client, thread, as_moderator):
    response = client.submit(f"/mod/threads/{thread.id}/slow-mode", {"minutes": "15"})
    assert response.status_code == 302 and response.location == url_of(thread)
    assert fresh(thread).slow_mode_minutes == 15
    page = client.get(url_of(thread)).text
    assert "Slow mode is on: one post every 15 minutes." in page and "Slow mode: one post every 15 minutes." in page
    assert [a[0] for a in actions()] == ["slow_mode"]


def test_slow_mode_as_fragment(client, thread, as_moderator):
    response = client.submit(f"/mod/threads/{thread.id}/slow-mode", {"minutes": "15"}, htmx=True)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="thread-status"')
    assert "Slow mode: one post every 15 minutes." in response.text and "Slow mode off" in response.text
    assert [a[0] for a in actions()] == ["slow_mode"]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
@pytest.mark.parametrize("minutes", ["", "0", "1441", "soon"])
def test_slow_mode_needs_sensible_minutes(client, thread, as_moderator, htmx, minutes):
    response = client.submit(f"/mod/threads/{thread.id}/slow-mode", {"minutes": minutes}, htmx=htmx)
    assert response.status_code == 422
    assert "Give a number of minutes between 1 and 1440." in response.text
    assert ("<html" in response.text) is not htmx
    assert fresh(thread).slow_mode_minutes is None and actions() == []


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_repeating_an_action_is_a_conflict(client, thread, as_moderator, htmx):
    moderation.lock(as_moderator, thread)
    response = client.submit(f"/mod/threads/{thread.id}/lock", htmx=htmx)
    assert response.status_code == 409 and "This thread is already locked." in response.text
    if htmx:
        assert response.headers["HX-Reswap"] == "none" and 'id="flash"' in response.text
    assert len(actions()) == 1


THREAD_ROUTES = ["lock", "unlock", "pin", "unpin", "move", "delete", "restore", "slow-mode", "slow-mode/off"]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_every_thread_route_is_404_for_a_missing_thread(client, as_moderator, htmx):
    for route in THREAD_ROUTES:
        response = client.submit(f"/mod/threads/999999/{route}", {"minutes": "5", "category": "x"}, htmx=htmx)
        assert response.status_code == 404, route


# Permissions: every thread route as a guest, a member and a moderator


def state(thread):
    t = fresh(thread)
    return (t.locked, t.pinned, t.removed_at, t.slow_mode_minutes, t.category_id)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_guests_are_sent_to_sign_in_for_every_thread_route(client, thread, htmx):
    make_category(name="Elsewhere", slug="elsewhere")
    before = state(thread)
    for route in THREAD_ROUTES:
        response = client.submit(f"/mod/threads/{thread.id}/{route}", {"minutes": "5", "category": "elsewhere"},
                                 htmx=htmx)
        if htmx:
            assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login"), route
        else:
            assert response.status_code == 302 and response.location.startswith("/login"), route
    assert state(thread) == before and actions() == []


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_members_are_refused_every_thread_route(client, thread, member, htmx):
    make_category(name="Elsewhere", slug="elsewhere")
    client.sign_in(member)
    before = state(thread)
    for route in THREAD_ROUTES:
        response = client.submit(f"/mod/threads/{thread.id}/{route}", {"minutes": "5", "category": "elsewhere"},
                                 htmx=htmx)
        assert response.status_code == 403, route
        if htmx:
            assert response.headers["HX-Reswap"] == "none"
    assert state(thread) == before and actions() == []
    assert "Moderate this thread" not in client.get(url_of(thread)).text


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_staff_may_use_every_thread_route(client, thread, role):
    make_category(name="Elsewhere", slug="elsewhere")
    client.sign_in(make_user(role=role))
    assert "Moderate this thread" in client.get(url_of(thread)).text
    for route in ["lock", "unlock", "pin", "unpin", "move", "slow-mode", "slow-mode/off", "delete", "restore"]:
        response = client.submit(f"/mod/threads/{thread.id}/{route}", {"minutes": "5", "category": "elsewhere"},
                                 htmx=True)
        assert response.status_code == 200, route
    assert len(actions()) == len(THREAD_ROUTES)


def test_posts_of_a_removed_thread_are_not_served_to_members(client, thread, moderator, member):
    reply = posts.add_reply(thread, moderator, "in a thread about to go")
    moderation.remove(moderator, thread, "Off-topic for this forum.")
    client.sign_in(member)
    for url in (f"/p/{reply.id}", f"/p/{reply.id}/quote", f"/p/{reply.id}/history", f"/p/{reply.id}/reply"):
        assert client.get(url).status_code == 404, url
        assert client.get(url, headers=HTMX).status_code == 404, url


def test_the_reply_page_of_a_locked_thread_offers_no_composer(client, thread, moderator, member):
    reply = posts.add_reply(thread, moderator, "locked soon")
    moderation.lock(moderator, thread)
    client.sign_in(member)
    page = client.get(f"/p/{reply.id}/reply").text
    assert "This thread is locked: no new replies." in page and 'id="reply-form"' not in page
