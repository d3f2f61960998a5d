"""Two-factor sign-in: setting it up, the second step of signing in (app codes and recovery codes,
each once, rate-limited, never skippable), "don't ask on this browser" (ended by a ban), staff the
site requires it of, and asking for the password again before sensitive staff actions."""

import re
import time
from datetime import timedelta

import pyotp
import pytest

from forum.extensions import db
from forum.models import LoginSession, RecoveryCode, User
from forum.moderation.service import sanctions
from forum.moderation.service.sanctions import SanctionRequest
from forum.models.base import utcnow
from tests.factories import PASSWORD, make_user

CODES = re.compile(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>")
KEY = re.compile(r'<code class="setup-key">([A-Z2-7 ]+)</code>')


def enrol(client) -> tuple[str, list[str]]:
    """Set two-factor sign-in up through the settings page, as a member would: the key, then a code."""
    page = client.get("/settings/two-factor")
    assert page.status_code == 200
    secret = KEY.search(page.text).group(1).replace(" ", "")
    done = client.submit("/settings/two-factor/enable", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200, done.text
    codes = CODES.findall(done.text)
    assert len(codes) == 10
    return secret, codes


def code_at(secret, seconds_from_now=0):
    return pyotp.TOTP(secret).at(time.time() + seconds_from_now)


def password_step(client, user, **extra):
    response = client.submit("/login", {"username": user.username, "password": PASSWORD, **extra})
    assert response.status_code == 302 and response.location == "/login/code", response.text
    return response


def signed_in(client) -> bool:
    return client.get("/settings").status_code == 200


@pytest.fixture
def enrolled(app, client):
    """A member with two-factor sign-in on, signed out; their secret and recovery codes."""
    user = make_user()
    client.sign_in(user)
    secret, codes = enrol(client)
    client.submit("/logout")
    db.session.expire_all()
    user = db.session.get(User, user.id)
    # The code used to enrol is spent: start each test from an earlier step so a fresh code is accepted.
    user.totp_last_step = None
    db.session.commit()
    return user, secret, codes


# Setting it up


def test_the_setup_page_shows_a_qr_code_drawn_here_and_the_key(client):
    client.sign_in(make_user())
    page = client.get("/settings/two-factor")
    assert page.status_code == 200
    assert 'src="data:image/svg+xml,' in page.text  # no outside service, and no inline style for the CSP
    assert "style=" not in page.text.split('src="data:image/svg+xml,')[1].split('"')[0]
    assert KEY.search(page.text)
    assert "/settings/two-factor" in client.get("/settings").text


def test_a_wrong_code_does_not_turn_it_on(client):
    user = make_user()
    client.sign_in(user)
    client.get("/settings/two-factor")
    response = client.submit("/settings/two-factor/enable", {"code": "000000"})
    assert response.status_code == 422
    assert "That code is not right" in response.text
    assert db.session.get(User, user.id).totp_secret is None


def test_recovery_codes_are_stored_hashed(client):
    user = make_user()
    client.sign_in(user)
    _, codes = enrol(client)
    stored = db.session.scalars(db.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10
    assert not {c.replace("-", "") for c in codes} & set(stored)


# Signing in


def test_signing_in_asks_for_a_code_after_the_password(client, enrolled):
    user, secret, _ = enrolled
    password_step(client, user, next="/settings")
    assert not signed_in(client)  # the password alone signs nobody in
    assert client.get("/login/code").status_code == 200
    response = client.submit("/login/code", {"code": code_at(secret)})
    assert response.status_code == 302 and response.location == "/settings"
    assert signed_in(client)


def test_the_step_before_or_after_is_accepted_but_not_two_away(client, enrolled):
    user, secret, _ = enrolled
    password_step(client, user)
    assert client.submit("/login/code", {"code": code_at(secret, -65)}).status_code == 422
    assert client.submit("/login/code", {"code": code_at(secret, -30)}).status_code == 302


def test_a_code_signs_in_once(app, client, enrolled):
    user, secret, _ = enrolled
    code = code_at(secret)
    password_step(client, user)
    assert client.submit("/login/code", {"code": code}).status_code == 302
    other = app.test_client()
    password_step(other, user)
    refused = other.submit("/login/code", {"code": code})
    assert refused.status_code == 422
    assert "used already" in refused.text
    assert not signed_in(other)


def test_a_recovery_code_signs_in_once(app, client, enrolled):
    user, _, codes = enrolled
    password_step(client, user)
    response = client.submit("/login/code", {"code": codes[3].upper().replace("-", " ")})
    assert response.status_code == 302
    assert "You used a recovery code: 9 left" in client.get("/").text
    assert signed_in(client)
    other = app.test_client()
    password_step(other, user)
    assert other.submit("/login/code", {"code": codes[3]}).status_code == 422
    assert not signed_in(other)
    assert other.submit("/login/code", {"code": codes[4]}).status_code == 302


def test_the_second_step_cannot_be_skipped(client, enrolled):
    """Between the password and the code the browser is signed in to nothing: no page accepts it."""
    user, _, _ = enrolled
    password_step(client, user)
    for path in ("/settings", "/settings/two-factor", "/settings/sessions", "/notifications"):
        response = client.get(path)
        assert response.status_code == 302 and response.location.startswith("/login?"), path
    assert client.submit("/settings/two-factor/disable", {"disable-password": PASSWORD}).status_code == 302
    assert db.session.get(User, user.id).totp_secret is not None
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginSession)) == 0
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_the_half_way_state_expires_and_dies_with_a_new_session_token(client, enrolled):
    user, secret, _ = enrolled
    password_step(client, user)
    with client.session_transaction() as session:
        pending = session["second_step"]
        session["second_step"] = {**pending, "at": pending["at"] - 301}
    assert client.submit("/login/code", {"code": code_at(secret)}).location == "/login"
    password_step(client, user)
    db.session.get(User, user.id).session_token = "rotated by a ban"
    db.session.commit()
    assert client.submit("/login/code", {"code": code_at(secret)}).location == "/login"
    assert not signed_in(client)


def test_the_code_page_without_a_password_sends_to_sign_in(client):
    assert client.get("/login/code").location == "/login"
    assert client.submit("/login/code", {"code": "123456"}).location == "/login"


def test_wrong_codes_are_rate_limited(client, enrolled):
    user, secret, _ = enrolled
    password_step(client, user)
    for _ in range(5):
        assert client.submit("/login/code", {"code": "000000"}).status_code == 422
    limited = client.submit("/login/code", {"code": code_at(secret)})
    assert limited.status_code == 429
    assert not signed_in(client)


def test_wrong_codes_are_limited_per_account_across_addresses(app, enrolled):
    user, secret, _ = enrolled
    for n in range(5):
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        password_step(browser, user)
        assert browser.submit("/login/code", {"code": "000000"}).status_code == 422
    last = app.test_client()
    last.environ_base["REMOTE_ADDR"] = "10.0.0.99"
    password_step(last, user)
    assert last.submit("/login/code", {"code": code_at(secret)}).status_code == 429


# This browser


def test_a_trusted_browser_is_not_asked_again_until_a_ban(app, client, enrolled):
    user, secret, _ = enrolled
    password_step(client, user)
    assert client.submit("/login/code", {"code": code_at(secret), "trust": "y"}).status_code == 302
    client.submit("/logout")
    assert client.sign_in(user).location == "/"  # straight in: the password alone, on this browser
    assert signed_in(client)
    stranger = app.test_client()
    password_step(stranger, user)  # another browser is still asked
    # A ban signs this browser out like every other, and the browser is asked for a code again.
    admin = make_user(role="admin")
    ban = sanctions.issue(admin, user, SanctionRequest(kind="ban", reason="Spam."))
    assert not signed_in(client)
    sanctions.lift(admin, ban, "A mistake.")
    password_step(client, db.session.get(User, user.id))  # the browser is no longer trusted


def test_a_trusted_browser_still_needs_the_password(client, enrolled):
    user, secret, _ = enrolled
    password_step(client, user)
    client.submit("/login/code", {"code": code_at(secret), "trust": "y"})
    client.submit("/logout")
    assert client.submit("/login", {"username": user.username, "password": "wrong"}).status_code == 422
    assert not signed_in(client)


# Managing it


def test_new_recovery_codes_replace_the_old(app, client, enrolled):
    user, secret, codes = enrolled
    password_step(client, user)
    client.submit("/login/code", {"code": code_at(secret)})
    assert client.submit("/settings/two-factor/recovery-codes", {"codes-password": "wrong"}).status_code == 422
    fresh = CODES.findall(client.submit("/settings/two-factor/recovery-codes", {"codes-password": PASSWORD}).text)
    assert len(fresh) == 10
    other = app.test_client()
    password_step(other, user)
    assert other.submit("/login/code", {"code": codes[0]}).status_code == 422
    assert other.submit("/login/code", {"code": fresh[0]}).status_code == 302


def test_turning_it_off_needs_the_password(client, enrolled):
    user, secret, _ = enrolled
    password_step(client, user)
    client.submit("/login/code", {"code": code_at(secret)})
    assert client.submit("/settings/two-factor/disable", {"disable-password": "wrong"}).status_code == 422
    assert db.session.get(User, user.id).totp_secret is not None
    assert client.submit("/settings/two-factor/disable", {"disable-password": PASSWORD}).status_code == 302
    assert db.session.get(User, user.id).totp_secret is None
    client.submit("/logout")
    assert client.sign_in(user).location == "/"


# Required for staff


def test_staff_required_to_have_it_are_sent_to_set_it_up(app, client):
    app.config["STAFF_TWO_FACTOR"] = "required"
    moderator = make_user(role="moderator")
    client.sign_in(moderator)
    for path in ("/", "/mod", "/settings"):
        response = client.get(path)
        assert response.status_code == 302 and response.location == "/settings/two-factor", path
    page = client.get("/settings/two-factor")
    assert "Your role requires two-factor sign-in" in page.text
    fragment = client.fragment("/settings")
    assert fragment.headers["HX-Redirect"] == "/settings/two-factor"
    enrol(client)
    assert client.get("/mod").status_code == 200
    # ...and it cannot be turned off while required.
    refused = client.submit("/settings/two-factor/disable", {"disable-password": PASSWORD})
    assert refused.status_code == 422
    assert db.session.get(User, moderator.id).totp_secret is not None


def test_members_are_not_required_to_have_it(app, client):
    app.config["STAFF_TWO_FACTOR"] = "required"
    client.sign_in(make_user())
    assert client.get("/settings").status_code == 200


def test_staff_may_go_without_it_while_it_is_optional(client):
    client.sign_in(make_user(role="admin"))
    assert client.get("/mod").status_code == 200


# Asking for the password again


def make_stale(user):
    for record in db.session.scalars(db.select(LoginSession).where(LoginSession.user_id == user.id)):
        record.confirmed_at = utcnow() - timedelta(hours=2)
    db.session.commit()


def test_sensitive_pages_ask_for_the_password_again_after_a_while(client):
    admin = make_user(role="admin")
    client.sign_in(admin)
    assert client.get("/admin/settings").status_code == 200
    make_stale(admin)
    response = client.get("/admin/settings")
    assert response.status_code == 302
    assert response.location == "/login/confirm?next=/admin/settings"
    assert client.get("/admin/blocks").location.startswith("/login/confirm")
    assert client.submit("/login/confirm", {"password": "wrong", "next": "/admin/settings"}).status_code == 422
    assert client.get("/admin/settings").status_code == 302
    confirmed = client.submit("/login/confirm", {"password": PASSWORD, "next": "/admin/settings"})
    assert confirmed.location == "/admin/settings"
    assert client.get("/admin/settings").status_code == 200


def test_a_stale_role_change_is_not_carried_out(client):
    admin, member = make_user(role="admin"), make_user()
    client.sign_in(admin)
    make_stale(admin)
    response = client.submit(f"/admin/members/{member.id}/role", {"role": "moderator"},
                             headers={"Referer": f"http://localhost/admin/members/{member.id}"})
    # Sent on, body and all, to the page that asks for the password and keeps the form (tests/test_stale_forms.py).
    assert response.status_code == 307
    assert response.location == f"/login/confirm/form?next=/admin/members/{member.id}&resend_to=/admin/members/{member.id}/role"
    assert db.session.get(User, member.id).role == "member"
    htmx = client.submit(f"/admin/members/{member.id}/role", {"role": "moderator"}, htmx=True)
    assert htmx.status_code == 307 and htmx.location.startswith("/login/confirm/form?")
    assert db.session.get(User, member.id).role == "member"


def test_sanctioning_staff_asks_for_the_password_again_but_a_member_does_not(client):
    admin, moderator, member = make_user(role="admin"), make_user(role="moderator"), make_user()
    client.sign_in(admin)
    make_stale(admin)
    assert client.get(f"/mod/members/{moderator.username}/sanction").location.startswith("/login/confirm")
    response = client.submit(f"/mod/members/{moderator.username}/sanction", {"kind": "ban", "reason": "spam"})
    assert response.location.startswith("/login/confirm")
    assert client.get(f"/mod/members/{member.username}/sanction").status_code == 200


def test_wrong_passwords_at_the_confirmation_are_rate_limited(client):
    admin = make_user(role="admin")
    client.sign_in(admin)
    for _ in range(5):
        assert client.submit("/login/confirm", {"password": "wrong"}).status_code == 422
    assert client.submit("/login/confirm", {"password": PASSWORD}).status_code == 429


def test_deleting_the_account_forgets_the_secret_and_the_codes(client, enrolled):
    user, secret, _ = enrolled
    password_step(client, user)
    client.submit("/login/code", {"code": code_at(secret)})
    assert client.submit("/settings/data/delete", {"posts": "keep", "password": PASSWORD}).status_code in (200, 302)
    member = db.session.get(User, user.id)
    assert member.is_deleted and member.totp_secret is None
    assert db.session.scalar(db.select(db.func.count()).select_from(RecoveryCode)) == 0


def test_an_admin_requires_it_of_staff_at_admin_settings(client):
    from tests.test_site_settings import page_values

    admin = make_user(role="admin")
    client.sign_in(admin)
    page = client.get("/admin/settings")
    assert "Two-factor sign-in for staff" in page.text
    saved = client.submit("/admin/settings", page_values(staff_two_factor="required"))
    assert saved.status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and response.location == "/settings/two-factor"


def test_the_two_factor_pages_are_valid_html(app, client, tmp_path):
    from tests.test_valid_html import vnu_errors

    user = make_user(role="admin")
    client.sign_in(user)
    pages = {"set-up": client.get("/settings/two-factor").text,
             "set-up (refused)": client.submit("/settings/two-factor/enable", {"code": "1"}).text}
    secret = KEY.search(pages["set-up"]).group(1).replace(" ", "")
    pages["recovery codes"] = client.submit("/settings/two-factor/enable", {"code": code_at(secret)}).text
    pages["on"] = client.get("/settings/two-factor").text
    pages["new codes (refused)"] = client.submit("/settings/two-factor/recovery-codes", {"codes-password": "x"}).text
    make_stale(user)
    pages["confirm"] = client.get(client.get("/admin/settings").location).text
    pages["confirm (refused)"] = client.submit("/login/confirm", {"password": "wrong"}).text
    client.submit("/logout")
    password_step(client, user)
    pages["code"] = client.get("/login/code").text
    pages["code (refused)"] = client.submit("/login/code", {"code": "000000"}).text
    assert vnu_errors(pages, tmp_path) == []
