"""Staff see whether a member has two-factor sign-in on, and an admin resets it for a member who lost both
their phone and their recovery codes: POST with a reason, after a fresh sign-in, logged, every session of
the member signed out, the member told by mail. Not on oneself: that is one's own settings page."""

import pytest

from forum.extensions import db
from forum.models import ModAction, RecoveryCode, User
from tests.factories import make_user
from tests.mail_server import text_of
from tests.test_two_factor import enrol, make_stale

REASON = "Lost phone and codes; identity checked by a video call."


@pytest.fixture
def enrolled(app):
    """A member with two-factor sign-in on, signed in in a browser of their own."""
    member = make_user(username="lostphone", display_name="Lou Phone", email="lou@example.com")
    browser = app.test_client()
    browser.sign_in(member)
    enrol(browser)
    return db.session.get(User, member.id), browser


@pytest.fixture
def admin_client(client):
    client.sign_in(make_user(role="admin", username="boss"))
    return client


def reset(client, member, **data):
    return client.submit(f"/admin/members/{member.id}/two-factor/reset", {"reason": REASON, **data})


def codes_of(member) -> int:
    return db.session.scalar(db.select(db.func.count(RecoveryCode.id)).where(RecoveryCode.user_id == member.id))


def test_staff_see_whether_a_member_has_it_on(client, enrolled):
    member, _browser = enrolled
    client.sign_in(make_user(role="moderator"))
    page = client.get(f"/admin/members/{member.id}").text
    assert "Two-factor sign-in: on" in page and "10 recovery codes left" in page
    assert "/two-factor/reset" not in page  # only admins reset it
    assert "Two-factor sign-in: off" in client.get(f"/admin/members/{make_user().id}").text


def test_an_admin_resets_it_with_a_reason_and_everything_follows(admin_client, enrolled, smtp_server):
    member, browser = enrolled
    assert browser.get("/settings").status_code == 200
    assert f'action="/admin/members/{member.id}/two-factor/reset"' in admin_client.get(f"/admin/members/{member.id}").text
    answer = reset(admin_client, member)
    assert answer.status_code == 303 and answer.location == f"/admin/members/{member.id}"
    db.session.expire_all()
    member = db.session.get(User, member.id)
    assert member.totp_secret is None and codes_of(member) == 0
    assert browser.get("/settings").status_code != 200  # their sessions are signed out
    entry = db.session.scalar(db.select(ModAction).where(ModAction.action == "two_factor:reset"))
    assert (entry.target_type, entry.target_id) == ("member", member.id) and REASON in entry.details
    assert REASON not in (entry.public_reason or "")  # an account's security is not for /modlog's readers
    text = text_of(smtp_server.last_to("lou@example.com"))
    assert "two-factor sign-in" in text.lower() and "/settings/two-factor" in text
    page = admin_client.get(f"/admin/members/{member.id}").text
    assert "Two-factor sign-in for @lostphone is reset" in page and "Two-factor sign-in: off" in page


def test_a_reason_is_required_and_nothing_changes_without_one(admin_client, enrolled):
    member, _browser = enrolled
    refused = reset(admin_client, member, reason="  ")
    assert refused.status_code == 422 and "Say why" in refused.text and 'aria-invalid="true"' in refused.text
    assert db.session.get(User, member.id).totp_secret is not None and codes_of(member) == 10


def test_with_htmx_the_panel_is_answered_alone(admin_client, enrolled):
    member, _browser = enrolled
    refused = admin_client.submit(f"/admin/members/{member.id}/two-factor/reset", {"reason": ""}, htmx=True)
    assert refused.status_code == 422 and refused.text.lstrip().startswith('<section id="member-two-factor"')
    done = admin_client.submit(f"/admin/members/{member.id}/two-factor/reset", {"reason": REASON}, htmx=True)
    assert done.status_code == 200 and done.text.lstrip().startswith('<section id="member-two-factor"')
    assert "Two-factor sign-in: off" in done.text and "HX-Request" in done.headers["Vary"]


def test_it_needs_a_fresh_sign_in(admin_client, enrolled):
    member, _browser = enrolled
    admin = db.session.scalar(db.select(User).where(User.username == "boss"))
    make_stale(admin)
    answer = reset(admin_client, member)
    assert answer.status_code == 307 and answer.location.startswith("/login/confirm/form?")
    assert db.session.get(User, member.id).totp_secret is not None


def test_only_an_admin_may_and_never_on_themselves(client, enrolled):
    member, _browser = enrolled
    client.sign_in(make_user(role="moderator"))
    assert reset(client, member).status_code == 403
    admin = make_user(role="admin", username="self")
    client.sign_in(admin)
    enrol(client)
    page = client.get(f"/admin/members/{admin.id}").text
    assert "/two-factor/reset" not in page and 'href="/settings/two-factor"' in page
    assert reset(client, admin).status_code == 403
    assert db.session.get(User, admin.id).totp_secret is not None


def test_a_member_without_it_has_nothing_to_reset(admin_client):
    member = make_user()
    assert reset(admin_client, member).status_code == 409


def test_it_needs_the_csrf_token(admin_client, enrolled):
    member, _browser = enrolled
    answer = admin_client.post(f"/admin/members/{member.id}/two-factor/reset", data={"reason": REASON})
    assert answer.status_code == 400 and db.session.get(User, member.id).totp_secret is not None
