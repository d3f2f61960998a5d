"""Registration's defences as site settings (forum/settings.py): email confirmation, throwaway addresses,
the bot traps' fill times, the puzzle's size and the limit on registrations without JavaScript. An admin
changes them at /admin/settings with no restart, each change logged; FORUM_* still fixes them."""

import json

import pytest
from sqlalchemy import func, select

from forum import create_app
from forum.auth.service import traps
from forum.database import write_transaction
from forum.extensions import db
from forum.models import ModAction, SiteSetting, User
from forum.settings import BY_NAME, SETTINGS, site_setting
from tests.conftest import test_config
from tests.test_site_settings import as_typed
from tests.factories import PASSWORD, make_user

NAMES = ("EMAIL_CONFIRMATION", "REFUSE_DISPOSABLE_EMAIL", "REGISTER_MIN_SECONDS", "GUEST_FORM_MIN_SECONDS",
         "REGISTER_CHALLENGE_MAX_NUMBER", "REGISTER_UNSOLVED_RATE_LIMIT")
PERSON = {"username": "rhonda", "display_name": "Rhonda Bird", "name_style": "full", "email": "rhonda@example.com"}


def saved_by_another_worker(app, name, value):
    with write_transaction() as session:
        session.merge(SiteSetting(name=name, value=json.dumps(value)))
    app.extensions["settings"].forget()


def users() -> int:
    return db.session.scalar(select(func.count(User.id)))


@pytest.mark.parametrize("name", NAMES)
def test_each_is_a_site_setting(name):
    assert name in BY_NAME


@pytest.mark.parametrize("value, expected", [(True, True), ("false", False), ("True", True), (" FALSE ", False)])
def test_an_on_off_setting_is_cleaned_to_a_boolean(app, value, expected):
    assert BY_NAME["EMAIL_CONFIRMATION"].clean(value) is expected


def test_email_confirmation_turned_off_by_an_admin_applies_to_the_next_registration(client, app, smtp_server):
    saved_by_another_worker(app, "EMAIL_CONFIRMATION", False)
    assert 'type="password"' in client.get("/register").text
    answer = client.submit("/register", {**PERSON, "password": PASSWORD})
    assert answer.status_code == 302 and users() == 1 and smtp_server.messages == []


def test_throwaway_addresses_accepted_once_an_admin_says_so(client, app, smtp_server):
    refused = client.submit("/register", {**PERSON, "email": "r@mailinator.com"})
    assert refused.status_code == 422 and "throwaway" in refused.text
    saved_by_another_worker(app, "REFUSE_DISPOSABLE_EMAIL", False)
    assert client.submit("/register", {**PERSON, "email": "r@mailinator.com"}).status_code == 302


def test_the_traps_read_their_fill_times_and_puzzle_size_from_the_settings(app):
    saved_by_another_worker(app, "REGISTER_MIN_SECONDS", 7)
    saved_by_another_worker(app, "GUEST_FORM_MIN_SECONDS", 2)
    saved_by_another_worker(app, "REGISTER_CHALLENGE_MAX_NUMBER", 5000)
    with app.test_request_context():
        assert traps.minimum_seconds("register") == 7 and traps.minimum_seconds("sign-in") == 2
        assert traps.new_challenge()["maxnumber"] == 5000


def test_the_limit_without_javascript_is_read_from_the_settings(client, app):
    saved_by_another_worker(app, "REGISTER_UNSOLVED_RATE_LIMIT", "1 per hour")
    first = client.submit("/register", PERSON)
    second = client.submit("/register", {**PERSON, "username": "other", "email": "other@example.com"})
    assert first.status_code == 302 and second.status_code == 429
    assert "Registrations without JavaScript" in second.text


def test_an_admin_changes_them_at_the_settings_page_and_each_change_is_logged(client):
    admin = make_user(role="admin", username="boss")
    client.sign_in(admin)
    page = client.get("/admin/settings").text
    assert '<input checked id="email_confirmation-0" name="email_confirmation" type="radio" value="true">' in page
    values = {setting.field_name: as_typed(BY_NAME[setting.name].form_value(site_setting(setting.name)))
              for setting in SETTINGS if setting.kind != "image"}
    answer = client.submit("/admin/settings", {**values, "email_confirmation": "false", "register_min_seconds": "5"})
    assert answer.status_code == 302, answer.text
    assert site_setting("EMAIL_CONFIRMATION") is False and site_setting("REGISTER_MIN_SECONDS") == 5
    logged = db.session.scalars(select(ModAction.public_reason).where(ModAction.action == "setting:change")).all()
    assert any(line.startswith("Email confirmation: Required") and "→ Not required" in line for line in logged)
    assert any(line.startswith("Seconds before a registration may be sent:") for line in logged)
    refused = client.submit("/admin/settings", {**values, "email_confirmation": "sometimes"})
    assert refused.status_code == 422 and "Choose one of the options." in refused.text


def test_the_environment_fixes_email_confirmation_over_a_saved_value(monkeypatch, database_url, _schema):
    monkeypatch.setenv("FORUM_EMAIL_CONFIRMATION", "false")
    app = create_app(test_config(database_url))
    with app.app_context():
        try:
            saved_by_another_worker(app, "EMAIL_CONFIRMATION", True)
            assert site_setting("EMAIL_CONFIRMATION") is False
        finally:
            db.session.execute(SiteSetting.__table__.delete())
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
