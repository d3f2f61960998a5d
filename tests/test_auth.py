"""Accounts: signing in and out, password changes, rate limits (registration: tests/test_registration.py)."""

import re

from tests.conftest import HTMX
from tests.factories import PASSWORD, make_user


def test_sign_in_and_out(client):
    user = make_user(display_name="Lou D.")
    response = client.sign_in(user)
    assert response.location == "/"
    assert "Lou D." in client.get("/").text
    assert client.get("/logout").status_code == 405  # never a GET
    assert client.submit("/logout").status_code == 302
    assert "Sign in" in client.get("/").text


def test_sign_in_by_email(client):
    make_user(email="lou@example.com")
    assert client.submit("/login", {"username": "LOU@example.com", "password": PASSWORD}).status_code == 302


def test_wrong_password_and_unknown_member_get_the_same_answer(client):
    make_user(username="lou")
    wrong = client.submit("/login", {"username": "lou", "password": "not the password"})
    unknown = client.submit("/login", {"username": "nobody", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 422
    message = "That username and password do not match."
    assert message in wrong.text and message in unknown.text
    assert _comparable(wrong.text, "lou") == _comparable(unknown.text, "nobody")


def _comparable(html, typed_name):
    """The page without what differs per request anyway: nonce, CSRF token, the bot traps' signed
    shown-at time, the name typed."""
    html = re.sub(r'nonce="[^"]+"', "", html)
    html = re.sub(r'(<input[^>]*name="shown"[^>]*value=")[^"]+', r"\1", html)
    html = re.sub(r'(csrf_token" value="|X-CSRFToken&#34;: &#34;|X-CSRFToken": ")[^"&]+', "", html)
    return html.replace(typed_name, "NAME")


def test_sign_in_follows_only_local_next(client):
    user = make_user()
    response = client.submit("/login", {"username": user.username, "password": PASSWORD, "next": "//evil.example/"})
    assert response.location == "/"


def test_repeated_failed_sign_ins_are_rate_limited(client):
    make_user(username="lou")
    for _ in range(5):
        assert client.submit("/login", {"username": "lou", "password": "wrong"}).status_code == 422
    limited = client.submit("/login", {"username": "lou", "password": PASSWORD})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "Too many attempts" in limited.text


def test_successful_sign_ins_are_not_counted(client):
    user = make_user()
    for _ in range(7):
        client.sign_in(user)


def test_remember_me_sets_a_lasting_cookie(client):
    user = make_user()
    client.sign_in(user, remember=True)
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only and cookie.expires is not None


def test_settings_need_a_signed_in_member(client):
    page = client.get("/settings")
    assert page.status_code == 302 and page.location == "/login?next=/settings"
    fragment = client.get("/settings", headers={**HTMX, "HX-Current-URL": "http://localhost/settings"})
    assert fragment.status_code == 401 and fragment.headers["HX-Redirect"] == "/login?next=/settings"


def test_change_password_ends_every_other_session_and_remember_cookie(app, client):
    user = make_user()
    other_device = app.test_client()
    other_device.sign_in(user, remember=True)
    stolen = app.test_client()
    for cookie in ("session", "remember_token"):
        stolen.set_cookie(cookie, other_device.get_cookie(cookie).value)
    stolen_remember_only = app.test_client()
    stolen_remember_only.set_cookie("remember_token", other_device.get_cookie("remember_token").value)
    assert "Sign out" in stolen_remember_only.get("/").text  # the copied cookie works before

    client.sign_in(user)
    response = client.submit("/settings/password", {
        "current_password": PASSWORD, "new_password": "a brand new password", "confirm": "a brand new password"})
    assert response.status_code == 302
    assert "Sign out" in client.get("/").text  # this session stays signed in
    for device in (other_device, stolen, stolen_remember_only):
        assert "Sign out" not in device.get("/").text
    assert client.submit("/login", {"username": user.username, "password": "a brand new password"}).status_code == 302


def test_change_password_needs_the_current_one(client):
    user = make_user()
    client.sign_in(user)
    response = client.submit("/settings/password", {
        "current_password": "wrong password", "new_password": "a brand new password", "confirm": "a brand new password"})
    assert response.status_code == 422 and "That is not your current password." in response.text


def test_change_password_needs_matching_repeat(client):
    client.sign_in(make_user())
    response = client.submit("/settings/password", {
        "current_password": PASSWORD, "new_password": "a brand new password", "confirm": "something else"})
    assert response.status_code == 422 and "The two passwords differ." in response.text
