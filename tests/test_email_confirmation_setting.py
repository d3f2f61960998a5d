"""EMAIL_CONFIRMATION: on (the default), an account exists only once its address followed the mailed
link (tests/test_registration.py); off, the registration form takes the password and signs in at once."""

from sqlalchemy import func, select

from forum import create_app
from forum.extensions import db
from forum.models import User
from tests.conftest import test_config
from tests.factories import PASSWORD, make_user

APP_CONFIG = {"EMAIL_CONFIRMATION": False}

PERSON = {"username": "rhonda", "display_name": "Rhonda Bird", "name_style": "full", "email": "rhonda@example.com"}


def users() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_the_form_asks_for_the_password_and_signs_in_at_once(client, smtp_server):
    page = client.get("/register").text
    assert 'type="password"' in page and "We will email you a link" not in page
    answer = client.submit("/register", {**PERSON, "password": PASSWORD})
    assert answer.status_code == 302
    assert "Welcome, Rhonda Bird!" in client.get("/").text
    assert users() == 1 and smtp_server.messages == []


def test_a_missing_or_weak_password_is_refused_beside_the_field(client):
    missing = client.submit("/register", PERSON)
    assert missing.status_code == 422 and "Choose a password." in missing.text
    weak = client.submit("/register", {**PERSON, "password": "rhonda@example.com"})
    assert weak.status_code == 422 and 'value="Rhonda Bird"' in weak.text
    assert users() == 0


def test_taken_and_throwaway_addresses_are_refused(client):
    make_user(email="rhonda@example.com")
    assert "already exists" in client.submit("/register", {**PERSON, "password": PASSWORD}).text
    throwaway = client.submit("/register", {**PERSON, "email": "r@mailinator.com", "password": PASSWORD})
    assert throwaway.status_code == 422 and "throwaway" in throwaway.text


def test_the_traps_still_apply(client):
    bot = client.submit("/register", {**PERSON, "password": PASSWORD, "comment": "spam"})
    assert bot.status_code == 302 and users() == 0


def test_confirmation_is_on_by_default_and_the_environment_sets_it(database_url, monkeypatch):
    assert create_app(test_config(database_url)).config["EMAIL_CONFIRMATION"] is True
    monkeypatch.setenv("FORUM_EMAIL_CONFIRMATION", "false")
    assert create_app(test_config(database_url)).config["EMAIL_CONFIRMATION"] is False


def test_a_honeypot_bot_gets_a_persons_answer_and_nothing_is_made(client, smtp_server):
    """With confirmation off a person is signed in and sent on with a welcome: so is the bot's answer,
    not "check your email" (which would tell it that it was caught), and no account is made."""
    bot = client.submit("/register", {**PERSON, "password": PASSWORD, "comment": "spam", "next": "/c/general"})
    assert bot.status_code == 302 and bot.location == "/c/general"
    assert "Welcome, Rhonda Bird! Your account is ready and you are signed in." in client.get("/").text
    assert users() == 0 and smtp_server.messages == []
    person = client.submit("/register", {**PERSON, "password": PASSWORD, "next": "/c/general"})
    assert (person.status_code, person.location) == (bot.status_code, bot.location)


def test_a_honeypot_bot_is_refused_as_a_person_would_be_for_what_it_typed(client):
    missing = client.submit("/register", {**PERSON, "comment": "spam"})
    assert missing.status_code == 422 and "Choose a password." in missing.text
    weak = client.submit("/register", {**PERSON, "password": "rhonda@example.com", "comment": "spam"})
    assert weak.status_code == 422 and 'value="Rhonda Bird"' in weak.text
    throwaway = client.submit("/register", {**PERSON, "email": "r@mailinator.com", "password": PASSWORD,
                                            "comment": "spam"})
    assert throwaway.status_code == 422 and "throwaway" in throwaway.text
    assert users() == 0
