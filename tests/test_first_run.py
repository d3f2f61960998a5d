"""A newcomer's first `make run`: it says what it is doing, installs only what running needs, and
serves a local trial whose rate limits let one person try a conversation among several members."""

import json
import subprocess

import pytest

from forum import create_app
from forum.config import PROJECT_ROOT, Defaults, LocalTrial
from forum.database import write_transaction
from forum.extensions import db
from forum.models import SiteSetting
from tests.conftest import ForumClient, test_config
from tests.factories import make_category, make_thread, make_user


def dry_run(target: str) -> str:
    """What `make <target>` would run on a fresh clone (-B: every file out of date; -n: nothing run)."""
    return subprocess.run(["make", "--no-print-directory", "-n", "-B", target], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, check=True).stdout


def test_make_run_installs_only_what_running_needs_and_says_so():
    recipe = dry_run("run")
    installs = [line for line in recipe.splitlines() if "pip install" in line]
    assert installs and all("requirements.txt" in line and "requirements-dev" not in line for line in installs)
    before_pip = recipe[:recipe.index("pip install")]
    assert "echo \"Installing the forum's Python packages" in before_pip  # not ninety silent seconds
    assert "forum banner --url http://127.0.0.1:" in recipe


def test_make_test_installs_the_test_tools_and_java():
    recipe = dry_run("test")
    assert "-r requirements-dev.txt" in recipe
    assert "default-jre-headless" in recipe


@pytest.fixture
def local_app(database_url, _schema, monkeypatch):
    """The app as `make run` configures it: FORUM_LOCAL_HTTP in the environment, nothing else set."""
    monkeypatch.setenv("FORUM_LOCAL_HTTP", "true")
    for name in vars(LocalTrial):
        monkeypatch.delenv(f"FORUM_{name}", raising=False)
    settings = {name: value for name, value in test_config(database_url).items() if not name.endswith("RATE_LIMIT")}

    made = []

    def make(**environment):
        for name, value in environment.items():
            monkeypatch.setenv(f"FORUM_{name}", value)
        made.append(create_app(settings))
        return made[-1]
    yield make
    for app in made:  # each app's own pool (the banner reads the site settings): open ones warn on PostgreSQL
        with app.app_context():
            db.engine.dispose()


def test_a_local_trial_relaxes_the_limits_one_person_meets(local_app):
    settings = local_app().config
    assert settings["REGISTER_RATE_LIMIT"] == LocalTrial.REGISTER_RATE_LIMIT != Defaults.REGISTER_RATE_LIMIT
    assert settings["NEW_MEMBER_REPLY_RATE_LIMIT"] == LocalTrial.NEW_MEMBER_REPLY_RATE_LIMIT


def test_production_keeps_the_strict_limits(database_url, _schema, monkeypatch):
    monkeypatch.delenv("FORUM_LOCAL_HTTP", raising=False)
    settings = create_app({k: v for k, v in test_config(database_url).items() if not k.endswith("RATE_LIMIT")}).config
    assert settings["REGISTER_RATE_LIMIT"] == "5 per hour"
    assert settings["NEW_MEMBER_REPLY_RATE_LIMIT"] == "3 per minute"


def test_the_environment_wins_over_a_local_trials_defaults(local_app):
    settings = local_app(REGISTER_RATE_LIMIT="5 per hour", NEW_MEMBER_REPLY_RATE_LIMIT="2 per minute").config
    assert settings["REGISTER_RATE_LIMIT"] == "5 per hour"
    assert settings["NEW_MEMBER_REPLY_RATE_LIMIT"] == "2 per minute"
    assert settings["THREAD_RATE_LIMIT"] == LocalTrial.THREAD_RATE_LIMIT


def test_a_new_member_in_a_local_trial_keeps_talking(local_app):
    """Five replies in a minute by a member who joined today: the third would end it in production."""
    app = local_app(RATELIMIT_STORAGE_URI="memory://")
    app.test_client_class = ForumClient
    try:
        with app.app_context():
            client = app.test_client()
            member = make_user()
            thread = make_thread(category=make_category())
            client.sign_in(member)
            answers = [client.submit(f"/t/{thread.id}/reply", {"body": f"Reply number {n}."}).status_code
                       for n in range(5)]
            assert answers == [302] * 5
    finally:
        with app.app_context():
            db.session.remove()
            with db.engine.begin() as connection:
                for table in reversed(db.metadata.sorted_tables):
                    connection.execute(table.delete())
            db.engine.dispose()


def test_the_banner_names_the_address_and_the_relaxed_limits(local_app):
    app = local_app(REPLY_RATE_LIMIT="7 per minute")
    output = app.test_cli_runner().invoke(args=["forum", "banner", "--url", "http://127.0.0.1:5000"]).output
    assert "http://127.0.0.1:5000" in output and "local trial" in output
    assert f"accounts registered from one address: {LocalTrial.REGISTER_RATE_LIMIT}" in output
    assert "(a deployment: 5 per hour)" in output
    assert "replies by other members: 7 per minute" in output and "set by FORUM_REPLY_RATE_LIMIT" in output


def test_the_banner_shows_a_limit_an_admin_saved_not_the_configurations(local_app):
    app = local_app()
    with app.app_context():
        try:
            with write_transaction() as session:
                session.merge(SiteSetting(name="REPLY_RATE_LIMIT", value=json.dumps("9 per minute")))
            output = app.test_cli_runner().invoke(args=["forum", "banner", "--url", "http://127.0.0.1:5000"]).output
            assert "replies by other members: 9 per minute" in output and "set at /admin/settings" in output
        finally:
            db.session.execute(SiteSetting.__table__.delete())
            db.session.commit()
            db.session.remove()


def test_the_banner_says_whether_newcomers_confirm_their_address(local_app):
    output = local_app().test_cli_runner().invoke(args=["forum", "banner", "--url", "http://127.0.0.1:5000"]).output
    assert "Email confirmation is on: with no mail server, the mailed links are printed here." in output


def test_the_environment_wins_over_the_banners_email_confirmation(local_app):
    app = local_app(EMAIL_CONFIRMATION="false")
    output = app.test_cli_runner().invoke(args=["forum", "banner", "--url", "http://127.0.0.1:5000"]).output
    assert "Email confirmation is off (set by FORUM_EMAIL_CONFIRMATION): a newcomer is signed in at once." in output
