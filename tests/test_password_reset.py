"""Password reset by email: the mailed link sets a new password once, expires, and tells no one who has an account."""

import logging
import re

import pytest

from forum import mail
from forum.extensions import db
from forum.models import User
from forum.moderation.service import sanctions
from forum.moderation.service.sanctions import SanctionRequest
from forum.policy import active_sanctions
from tests.factories import PASSWORD, make_thread, make_user
from tests.mail_server import _free_port, links_in, text_of

NEW_PASSWORD = "a brand new secret"
NEUTRAL = re.compile(r"If an account uses (\S+), we have sent it a link to set a new password\.")


@pytest.fixture
def lou(app):
    return make_user(username="lou_d", display_name="Lou Dobbs", email="lou@example.com")


def ask_for_link(client, inbox, address="lou@example.com"):
    """Request a reset for `address`; the path of the link in the mail that arrives."""
    response = client.submit("/password/reset", {"email": address})
    assert response.status_code == 302 and response.location == "/login"
    message = inbox.wait_for(1)[-1]
    assert message["To"] == address and message.recipients == [address]
    [link] = [path for path in links_in(message) if path.startswith("/password/reset/")]
    return link


def set_password(client, link, password=NEW_PASSWORD, htmx=False):
    return client.submit(link, {"new_password": password, "confirm": password}, htmx=htmx)


def password_hash_of(user):
    return db.session.scalar(db.select(User.password_hash).where(User.id == user.id))


# Asking for a link


def test_the_sign_in_page_offers_a_reset(client):
    assert 'href="/password/reset">Forgot your password?</a>' in client.get("/login").text


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_the_request_form(client, htmx):
    response = client.fragment("/password/reset") if htmx else client.get("/password/reset")
    assert response.status_code == 200 and '<div id="reset-request">' in response.text
    assert 'name="email"' in response.text and ("<html" in response.text) is not htmx
    assert "HX-Request-Type" in response.headers["Vary"]


def test_a_mailed_link_sets_a_new_password_and_signs_in(client, app, smtp_server, lou):
    elsewhere = app.test_client()
    elsewhere.sign_in(lou)
    link = ask_for_link(client, smtp_server)
    message = smtp_server.messages[0]
    assert message["From"] == "Test Forum <forum@forum.test>" and "works once, for 60 minutes" in text_of(message)
    assert message.get_body(("html",)) is not None  # an HTML alternative, with the same link
    assert NEUTRAL.search(client.get("/login").text).group(1) == "lou@example.com"
    form = client.get(link)
    assert form.status_code == 200 and "@lou_d" in form.text and form.headers["Cache-Control"] == "no-store"
    done = set_password(client, link)
    assert done.status_code == 302 and done.location == "/"
    assert "Your new password is set and you are signed in" in client.get("/").text
    assert "Sign out" not in elsewhere.get("/").text  # every other session ended
    fresh = app.test_client()
    fresh.sign_in(lou, password=NEW_PASSWORD)
    assert fresh.submit("/login", {"username": "lou_d", "password": PASSWORD}).status_code == 422


def test_the_link_works_once(client, smtp_server, lou):
    link = ask_for_link(client, smtp_server)
    assert set_password(client, link).status_code == 302
    after_first = password_hash_of(lou)
    for response in (client.get(link), set_password(client, link, password="yet another password")):
        assert response.status_code == 410 and "already been used" in response.text
        assert 'href="/password/reset">Ask for a new link</a>' in response.text
    assert password_hash_of(lou) == after_first


def test_an_expired_link_is_refused(client, app, smtp_server, lou):
    link = ask_for_link(client, smtp_server)
    before = password_hash_of(lou)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1  # any age is too old now
    for htmx in (False, True):
        response = set_password(client, link, htmx=htmx)
        assert response.status_code == 410 and "This link has expired" in response.text
        assert ("<html" in response.text) is not htmx
    assert client.get(link).status_code == 410 and password_hash_of(lou) == before


def test_a_garbled_or_forged_link_is_refused(client, smtp_server, lou):
    link = ask_for_link(client, smtp_server)
    forged = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    for bad in ("/password/reset/garbage", forged, link[:-10]):
        response = client.get(bad)
        assert response.status_code == 400 and "This link is not valid" in response.text, bad


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, smtp_server, lou):
    response = client.submit("/password/reset", {"email": "nobody@example.com"})
    assert response.status_code == 302 and response.location == "/login"
    assert NEUTRAL.search(client.get("/login").text).group(1) == "nobody@example.com"
    fragment = client.submit("/password/reset", {"email": "nobody@example.com"}, htmx=True)
    known = client.submit("/password/reset", {"email": "lou@example.com"}, htmx=True)
    assert fragment.status_code == known.status_code == 200
    assert fragment.text.replace("nobody@", "lou@") == known.text  # not a character of difference
    mail.wait_for_background()
    assert [m["To"] for m in smtp_server.wait_for(1)] == ["lou@example.com"]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_bad_address_or_password_is_shown_beside_the_field(client, smtp_server, lou, htmx):
    bad = client.submit("/password/reset", {"email": "not an address"}, htmx=htmx)
    assert bad.status_code == 422 and "Enter a valid email address." in bad.text and "not an address" in bad.text
    link = ask_for_link(client, smtp_server)
    differ = client.submit(link, {"new_password": NEW_PASSWORD, "confirm": "something else"}, htmx=htmx)
    short = set_password(client, link, password="short", htmx=htmx)
    assert differ.status_code == short.status_code == 422
    assert "The two passwords differ." in differ.text and "Use 8 to 128 characters." in short.text
    assert ('<div id="reset-password">' in short.text) and ("<html" in short.text) is not htmx
    assert set_password(client, link, htmx=htmx).status_code == (200 if htmx else 302)  # still usable


def test_requests_are_limited_per_address(client, app, smtp_server, lou):
    app.config["PASSWORD_RESET_RATE_LIMIT"] = "2 per hour"
    for _ in range(2):
        assert client.submit("/password/reset", {"email": "lou@example.com"}).status_code == 302
    refused = client.submit("/password/reset", {"email": "LOU@example.com "})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    mail.wait_for_background()
    assert len(smtp_server.messages) == 2


def test_a_reset_does_not_lift_a_ban(client, smtp_server, lou):
    admin = make_user(role="admin")
    sanctions.issue(admin, lou, SanctionRequest(kind="ban", reason="Spam."))
    link = ask_for_link(client, smtp_server)
    assert set_password(client, link).status_code == 302
    assert [s.kind for s in active_sanctions(db.session, lou.id)] == ["ban"]
    thread = make_thread()
    refused = client.submit(f"/t/{thread.id}/reply", {"body": "back again"})
    assert refused.status_code == 403 and "Your account is banned" in refused.text


# When mail cannot go out


def test_without_a_mail_server_the_mail_is_printed(client, capsys, lou):
    response = client.submit("/password/reset", {"email": "lou@example.com"})
    assert response.status_code == 302
    printed = capsys.readouterr().out
    assert "Mail (not sent: FORUM_MAIL_SERVER is not set)" in printed and "To: lou@example.com" in printed
    link = re.search(r"http://localhost(/password/reset/\S+)", printed).group(1)
    assert set_password(client, link).status_code == 302


def test_an_smtp_failure_is_logged_and_the_answer_is_the_same(client, app, caplog, lou):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port(), BASE_URL="http://forum.test",
                      MAIL_TIMEOUT=2)  # nothing listens there
    with caplog.at_level(logging.ERROR, logger="forum.mail"):
        response = client.submit("/password/reset", {"email": "lou@example.com"})
        mail.wait_for_background()
    assert response.status_code == 302 and NEUTRAL.search(client.get("/login").text)
    # The log names the domain it was for, never the address itself (issue 14: no email addresses in logs).
    assert "Could not send mail" in caplog.text and "to an address at example.com" in caplog.text
    assert "lou@" not in caplog.text


def test_links_in_mail_never_come_from_the_host_header(app, smtp_server):
    with app.test_request_context("/password/reset", base_url="http://evil.example"):
        assert mail.base_url() == "http://forum.test/"
        app.config["BASE_URL"] = None
        with pytest.raises(mail.MailError, match="FORUM_BASE_URL"):
            mail.base_url()
