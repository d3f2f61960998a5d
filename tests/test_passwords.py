"""Passwords too easy to guess: common ones, one character repeated, the member's own name or address.

Refused wherever a password is chosen: registration (the form's link and the command line), the
password change in settings, and the reset link.
"""

import pytest

from forum.auth.service import accounts
from forum.auth.service.passwords import COMMON_PASSWORDS, ONE_CHARACTER, TOO_COMMON, YOUR_NAME, password_problem
from forum.extensions import db
from forum.models import User
from forum.refusals import FieldError
from tests.factories import PASSWORD, make_user
from tests.mail_server import finish_link, links_in

WEAK = [
    ("password123", TOO_COMMON),
    ("Password123", TOO_COMMON),  # the list is compared without case
    ("qwertyuiop", TOO_COMMON),
    ("iloveyou", TOO_COMMON),
    ("aaaaaaaaaaaa", ONE_CHARACTER),
    ("############", ONE_CHARACTER),
]


def hash_of(user):
    return db.session.scalar(db.select(User.password_hash).where(User.id == user.id))


# The rule


def test_the_list_ships_with_the_package():
    assert len(COMMON_PASSWORDS) >= 30_000 and "password" in COMMON_PASSWORDS


@pytest.mark.parametrize("password, problem", WEAK)
def test_weak_passwords_are_named(password, problem):
    assert password_problem(password) == problem


@pytest.mark.parametrize("password", ["RhondaBird", "rhonda.bird@example.com", "RHONDA.BIRD"])
def test_the_members_own_name_or_address_is_refused(password):
    assert password_problem(password, "rhondabird", "rhonda.bird@example.com") == YOUR_NAME


@pytest.mark.parametrize("password", [PASSWORD, "a long enough password", "Tr0ub4dor&3x", "aaaaaaaab"])
def test_reasonable_passwords_pass(password):
    assert password_problem(password, "rhondabird", "rhonda.bird@example.com") is None


def test_the_service_refuses_a_common_password(app):
    with pytest.raises(FieldError) as refused:
        accounts.register(accounts.NewAccount("newcomer", "New Comer", "new@example.com", "password123"))
    assert (refused.value.field, refused.value.message) == ("password", TOO_COMMON)
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


# Registration: the page the mailed link opens


@pytest.mark.parametrize("password, problem", [*WEAK, ("rhonda_bird", YOUR_NAME), ("Rhonda@Example.com", YOUR_NAME)])
def test_registration_refuses_a_weak_password_beside_the_field(client, smtp_server, password, problem):
    client.submit("/register", {"username": "rhonda_bird", "display_name": "Rhonda Bird", "name_style": "full",
                                "email": "rhonda@example.com"})
    link = finish_link(smtp_server.last_to("rhonda@example.com"))
    response = client.submit(link, {"username": "rhonda_bird", "password": password})
    assert response.status_code == 422
    assert f'<p class="error" id="password-error">{problem}' in response.text.replace("&#39;", "'")
    assert 'type="password" value=""' in response.text and db.session.scalar(db.select(User.id)) is None


def test_the_password_fields_say_the_rule_before_it_is_broken(client):
    client.sign_in(make_user())
    assert "not a common password" in client.get("/settings").text


# Changing it in settings


@pytest.mark.parametrize("password, problem", WEAK)
def test_a_password_change_refuses_a_weak_password(client, password, problem):
    member = make_user()
    before = hash_of(member)
    client.sign_in(member)
    response = client.submit("/settings/password", {
        "current_password": PASSWORD, "new_password": password, "confirm": password})
    assert response.status_code == 422 and f'id="new_password-error">{problem}' in response.text.replace("&#39;", "'")
    assert hash_of(member) == before


def test_a_password_change_refuses_the_members_username(client):
    member = make_user(username="lou_dobbs")
    client.sign_in(member)
    response = client.submit("/settings/password", {
        "current_password": PASSWORD, "new_password": "Lou_Dobbs", "confirm": "Lou_Dobbs"})
    assert response.status_code == 422 and "cannot be your username or email address" in response.text


# Setting a new one from a reset link


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_reset_refuses_a_weak_password(client, smtp_server, htmx):
    member = make_user(username="lou_d", email="lou@example.com")
    before = hash_of(member)
    client.submit("/password/reset", {"email": "lou@example.com"})
    [link] = [path for path in links_in(smtp_server.last_to("lou@example.com")) if path.startswith("/password/reset/")]
    response = client.submit(link, {"new_password": "password123", "confirm": "password123"}, htmx=htmx)
    assert response.status_code == 422 and 'id="reset-new-password-error">This password is too common' in response.text
    assert ("<html" in response.text) is not htmx and hash_of(member) == before
    assert client.submit(link, {"new_password": "a brand new secret", "confirm": "a brand new secret"}).status_code == 302
