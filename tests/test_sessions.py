"""Sign-in sessions are server-side facts: signing out ends one for every copy of its cookies, a member
lists and ends their sessions, sign-in starts from an empty session, and sign-ins are logged."""

import logging
from datetime import timedelta

import pytest

from forum.auth.service import sessions
from forum.extensions import db
from forum.models import LoginSession
from tests.factories import PASSWORD, make_user
from tests.mail_server import text_of

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/18.1 Mobile/15E148 Safari/604.1")


def browser(app, user_agent=FIREFOX, address="127.0.0.1"):
    client = app.test_client()
    client.environ_base.update(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)
    return client


def copy_of(app, client, *names):
    """A second browser holding copies of `client`'s cookies."""
    thief = app.test_client()
    for name in names:
        thief.set_cookie(name, client.get_cookie(name).value)
    return thief


def signed_in(client) -> bool:
    return client.get("/settings").status_code == 200


# Signing out


def test_signing_out_ends_the_session_for_copied_cookies(app, client):
    user = make_user()
    client.sign_in(user, remember=True)
    both = copy_of(app, client, "session", "remember_token")
    remember_only = copy_of(app, client, "remember_token")
    session_only = copy_of(app, client, "session")
    assert signed_in(both) and signed_in(remember_only) and signed_in(session_only)  # copies work before

    assert client.submit("/logout").status_code == 302
    assert not signed_in(client)
    assert not signed_in(both) and not signed_in(remember_only) and not signed_in(session_only)
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginSession)) == 0


def test_signing_out_one_browser_leaves_the_others_signed_in(app):
    user = make_user()
    laptop, phone = browser(app), browser(app, IPHONE)
    laptop.sign_in(user)
    phone.sign_in(user)
    laptop.submit("/logout")
    assert not signed_in(laptop) and signed_in(phone)


def test_sign_in_starts_from_an_empty_session(client):
    user = make_user()
    client.get("/login")
    with client.session_transaction() as before:
        before["left_over"] = "from before signing in"
        guest_token = before["csrf_token"]
    client.sign_in(user)
    with client.session_transaction() as after:
        assert "left_over" not in after
        assert after.get("csrf_token") != guest_token  # a form opened before signing in gets a new secret


def test_an_old_style_identity_signs_no_one_in(client):
    """Cookies from before server-side sessions named '<id>:<token>': they no longer sign anyone in."""
    user = make_user()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:{user.session_token}"
        session["_fresh"] = True
    assert not signed_in(client)


# The list of sessions


def test_the_sessions_page_lists_each_browser(app):
    user = make_user()
    laptop, phone = browser(app), browser(app, IPHONE, "203.0.113.9")
    laptop.sign_in(user)
    phone.sign_in(user)
    page = laptop.get("/settings/sessions")
    assert page.status_code == 200 and "<html" in page.text
    assert page.text.count('class="session"') == 2
    assert "Firefox on Linux" in page.text and "Safari on iPhone" in page.text and "203.0.113.9" in page.text
    assert page.text.count("This browser") == 1
    assert "Sign out everywhere else" in page.text
    assert "autofocus" not in page.text  # a page opened afresh keeps focus where the browser puts it
    assert 'href="/settings/sessions"' in laptop.get("/settings").text


def test_the_sessions_page_needs_a_member(client):
    assert client.get("/settings/sessions").status_code == 302


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_signing_out_another_browser(app, htmx):
    user = make_user()
    laptop, phone = browser(app), browser(app, IPHONE)
    phone.sign_in(user, remember=True)
    laptop.sign_in(user)
    [phone_session] = [s for s in sessions.current_sessions(user) if "iPhone" in s.user_agent]
    response = laptop.submit(f"/settings/sessions/{phone_session.id}/end", htmx=htmx)
    if htmx:
        # The pressed button is gone with the swap: the list takes focus (htmx honours autofocus).
        assert response.status_code == 200 and response.text.lstrip().startswith('<div id="session-list" tabindex="-1" autofocus>')
        assert "<html" not in response.text and "That browser is signed out." in response.text
        assert "HX-Request-Type" in response.headers["Vary"]
    else:
        assert response.status_code == 302 and response.location == "/settings/sessions"
    assert not signed_in(phone) and signed_in(laptop)
    assert not signed_in(copy_of(app, phone, "remember_token"))


def test_a_member_cannot_end_another_members_session(app):
    owner, other = make_user(), make_user()
    owners_browser, others_browser = browser(app), browser(app)
    owners_browser.sign_in(owner)
    others_browser.sign_in(other)
    [owners_session] = sessions.current_sessions(owner)
    response = others_browser.submit(f"/settings/sessions/{owners_session.id}/end")
    assert response.status_code == 404
    assert signed_in(owners_browser)


def test_ending_this_browsers_own_session_signs_it_out(app):
    user = make_user()
    laptop = browser(app)
    laptop.sign_in(user)
    [mine] = sessions.current_sessions(user)
    response = laptop.submit(f"/settings/sessions/{mine.id}/end", htmx=True)
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/"
    assert not signed_in(laptop)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_signing_out_everywhere_else(app, htmx):
    user = make_user()
    laptop, phone, tablet = browser(app), browser(app, IPHONE), browser(app)
    for device in (phone, tablet, laptop):
        device.sign_in(user, remember=True)
    response = laptop.submit("/settings/sessions/end-others", htmx=htmx)
    assert response.status_code == (200 if htmx else 302)
    assert signed_in(laptop) and not signed_in(phone) and not signed_in(tablet)
    assert not signed_in(copy_of(app, phone, "remember_token"))
    page = laptop.get("/settings/sessions").text
    assert page.count('class="session"') == 1 and "You are signed in on this browser only." in page


def test_a_new_password_ends_every_other_session_and_lists_only_this_one(app):
    user = make_user()
    laptop, phone = browser(app), browser(app, IPHONE)
    phone.sign_in(user)
    laptop.sign_in(user)
    laptop.submit("/settings/password", {"current_password": PASSWORD, "new_password": "a brand new password",
                                         "confirm": "a brand new password"})
    assert signed_in(laptop) and not signed_in(phone)
    assert [s.user_agent for s in sessions.current_sessions(user)] == [FIREFOX]


def test_last_seen_is_noted_at_most_every_few_minutes(app, client, queries):
    user = make_user()
    client.sign_in(user)
    [record] = sessions.current_sessions(user)
    long_ago = record.last_seen_at - timedelta(hours=2)
    db.session.execute(db.update(LoginSession).values(last_seen_at=long_ago))
    db.session.commit()
    client.get("/settings")
    [record] = sessions.current_sessions(user)
    assert record.last_seen_at > long_ago + timedelta(hours=1)
    queries.clear()
    client.get("/settings")
    assert not [q for q in queries if q.lstrip().upper().startswith("UPDATE LOGIN_SESSIONS")]


def test_a_session_unseen_for_longer_than_remember_me_lasts_has_ended(app, client):
    user = make_user()
    client.sign_in(user, remember=True)
    too_old = sessions.current_sessions(user)[0].last_seen_at - timedelta(days=31)
    db.session.execute(db.update(LoginSession).values(last_seen_at=too_old))
    db.session.commit()
    assert not signed_in(client)


@pytest.mark.parametrize("agent, label", [
    (FIREFOX, "Firefox on Linux"), (IPHONE, "Safari on iPhone"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
     "Safari/537.36 Edg/131.0.0.0", "Edge on Windows"),
    ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile "
     "Safari/537.36", "Chrome on Android"),
    ("curl/8.5.0", "An unknown browser"),
])
def test_device_labels(agent, label):
    assert sessions.device_label(agent) == label


# Logging


def test_sign_ins_failures_and_sign_outs_are_logged_without_passwords(client, caplog):
    user = make_user(username="logged_member")
    caplog.set_level(logging.INFO, logger="forum.auth")
    client.submit("/login", {"username": "logged_member", "password": "wrong guess 123"})
    client.sign_in(user)
    client.submit("/logout")
    lines = [record.getMessage() for record in caplog.records if record.name == "forum.auth"]
    assert any(line.startswith("Failed sign-in: 'logged_member'") for line in lines), lines
    assert any(line.startswith(f"Sign-in: member {user.id} (@logged_member)") for line in lines), lines
    assert any(line.startswith(f"Sign-out: member {user.id}") for line in lines), lines
    everything = caplog.text
    assert PASSWORD not in everything and "wrong guess 123" not in everything


# A guessed-at account stays open to its owner


APP_CONFIG = {"LOGIN_RATE_LIMIT": "5 per minute"}


def guess(app, username, address, password="not the password"):
    return browser(app, address=address).submit("/login", {"username": username, "password": password})


def test_strangers_guessing_cannot_lock_the_owner_out_of_a_known_browser(app, smtp_server):
    owner = make_user(username="victim", email="victim@example.com")
    own_laptop = browser(app, address="198.51.100.7")
    own_laptop.sign_in(owner)
    own_laptop.submit("/logout")

    answers = [guess(app, "victim", f"203.0.113.{n}").status_code for n in range(7)]
    assert answers == [422] * 5 + [429] * 2  # the account's limit holds against strangers
    assert guess(app, "victim", "203.0.113.50", PASSWORD).status_code == 429  # even with the password

    response = own_laptop.submit("/login", {"username": "victim", "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in(own_laptop)

    [warning] = smtp_server.wait_for(1)
    assert warning["To"] == "victim@example.com"
    assert "too many times" in text_of(warning) and "/password/reset" in text_of(warning)


def test_the_owner_is_mailed_once_an_hour_however_many_guesses(app, smtp_server):
    make_user(username="victim2", email="victim2@example.com")
    for n in range(12):
        guess(app, "victim2", f"203.0.113.{n}")
    smtp_server.wait_for(1)
    from forum import mail
    mail.wait_for_background()
    assert len(smtp_server.messages) == 1


def test_a_known_browser_of_another_account_is_not_spared(app):
    make_user(username="victim3")
    neighbour = make_user()
    shared = browser(app, address="198.51.100.8")
    shared.sign_in(neighbour)
    shared.submit("/logout")
    for n in range(5):
        guess(app, "victim3", f"203.0.113.{n}")
    assert shared.submit("/login", {"username": "victim3", "password": PASSWORD}).status_code == 429


def test_a_forged_known_browser_cookie_is_ignored(app):
    owner = make_user(username="victim4")
    for n in range(5):
        guess(app, "victim4", f"203.0.113.{n}")
    forger = browser(app, address="198.51.100.9")
    forger.set_cookie("known_device", f"[{owner.id}]")
    assert forger.submit("/login", {"username": "victim4", "password": PASSWORD}).status_code == 429


# A member's own data


def test_the_data_export_lists_the_members_sessions(app):
    user = make_user()
    phone = browser(app, IPHONE, "203.0.113.9")
    phone.sign_in(user)
    data = phone.submit("/settings/data/export").json
    assert [(s["browser"], s["address"]) for s in data["sessions"]] == [(IPHONE, "203.0.113.9")]


def test_deleting_the_account_erases_its_sessions(app):
    user = make_user()
    phone, laptop = browser(app, IPHONE, "203.0.113.9"), browser(app)
    phone.sign_in(user)
    laptop.sign_in(user)
    response = laptop.submit("/settings/data/delete", {"password": PASSWORD, "posts": "keep"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginSession)) == 0
    assert not signed_in(phone)
