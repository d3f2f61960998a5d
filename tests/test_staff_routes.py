"""Every moderation route refuses guests and members, as a page and as a fragment, and changes nothing."""

import pytest

from forum.extensions import db
from forum.models import Appeal, Flag, ModAction, Post, Sanction, Thread
from forum.moderation.service import sanctions
from forum.moderation.service.sanctions import SanctionRequest
from tests.conftest import CSRF_IN_PAGE, HTMX
from tests.factories import make_reply, make_thread, make_user

FORM = {"reason": "because", "kind": "ban", "outcome": "lifted", "category": "x", "minutes": "5", "text": "t"}


def state():
    tables = [db.session.scalar(db.select(db.func.count()).select_from(m))
              for m in (Sanction, Appeal, Flag, ModAction)]
    posts = db.session.execute(db.select(Post.removal).order_by(Post.id)).all()
    threads = db.session.execute(db.select(Thread.locked, Thread.pinned, Thread.removed_at, Thread.category_id,
                                           Thread.slow_mode_minutes).order_by(Thread.id)).all()
    return tables, posts, threads


@pytest.fixture
def world(app):
    admin, member = make_user(role="admin"), make_user()
    thread = make_thread(author=member)
    post = make_reply(thread, author=member)
    sanction = sanctions.issue(admin, member, SanctionRequest(kind="silence", reason="calm down", days=1))
    return {"thread_id": thread.id, "post_id": post.id, "sanction_id": sanction.id, "appeal_id": 1,
            "username": member.username, "user_id": member.id, "block_id": 1}


def staff_routes(app, values):
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.rule.startswith(("/mod/", "/admin")) or rule.rule == "/mod":
                url = app.url_for(rule.endpoint, **{name: values.get(name, 1) for name in rule.arguments})
                for method in ("GET", "POST") if "GET" in rule.methods else ("POST",):
                    if method in rule.methods:
                        yield method, url


def test_the_walk_covers_the_moderation_routes(app, world):
    routes = list(staff_routes(app, world))
    assert ("GET", "/mod") in routes and ("GET", "/mod/appeals") in routes
    assert ("POST", f"/mod/posts/{world['post_id']}/hide") in routes
    assert ("POST", f"/mod/threads/{world['thread_id']}/lock") in routes
    assert ("POST", f"/mod/members/{world['username']}/sanction") in routes
    assert ("POST", f"/mod/sanctions/{world['sanction_id']}/lift") in routes


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_guests_and_members_are_refused_every_moderation_route(app, world, htmx):
    headers = HTMX if htmx else {}
    before = state()
    guest = app.test_client()
    member = app.test_client()
    member.sign_in(make_user())
    for client, expected in ((guest, 401 if htmx else 302), (member, 403)):
        token = CSRF_IN_PAGE.search(client.get("/login").text).group(1)
        for method, url in staff_routes(app, world):
            data = {**FORM, "csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data, headers=headers)
            assert response.status_code == expected, (method, url, response.status_code)
            if client is guest:
                assert (response.headers.get("HX-Redirect") or response.location).startswith("/login")
            client.get("/login")  # shows (and clears) the flashed message, as a browser would
    assert state() == before
