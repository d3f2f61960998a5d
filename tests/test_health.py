"""GET /healthz and GET /readyz (issue 14): plain, never cached, never rate-limited, and telling
nothing but "ready" or "not ready"."""

import pytest
from sqlalchemy import text

from forum.extensions import db, limiter
from forum.ops.service import migration_heads
from tests.app_servers import free_port

APP_CONFIG = {"RATELIMIT_DEFAULT": "2 per minute"}  # every other page is limited: these are not


@pytest.fixture(autouse=True)
def _default_limits_end_with_the_test(monkeypatch):
    """The limiter is one object for every app of the run, and an app's RATELIMIT_DEFAULT stays in it
    when the next app has none: put back what it had (nothing) after each test of this module."""
    monkeypatch.setattr(limiter.limit_manager, "_default_limits", limiter.limit_manager._default_limits)


@pytest.fixture
def migrated(app):
    """The database stamped as at the migrations' head (the tests' schema comes from create_all)."""
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
        for head in migration_heads():
            connection.execute(text("INSERT INTO alembic_version VALUES (:head)"), {"head": head})
    yield
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))


def test_healthz_answers_plainly_and_is_never_cached_or_limited(client):
    answers = [client.get("/healthz") for _ in range(5)]
    assert [answer.status_code for answer in answers] == [200] * 5
    assert answers[0].text == "ok\n" and answers[0].mimetype == "text/plain"
    assert answers[0].headers["Cache-Control"] == "no-store" and "X-Page-Cache" not in answers[0].headers
    assert [client.get("/login").status_code for _ in range(3)][-1] == 429  # the control: the limit is real


def test_readyz_is_ready_when_the_database_answers_at_the_migrations_head(client, migrated, capsys):
    answers = [client.get("/readyz") for _ in range(5)]
    assert [answer.status_code for answer in answers] == [200] * 5
    assert answers[0].text == "ready\n" and answers[0].headers["Cache-Control"] == "no-store"


def test_readyz_is_not_ready_before_the_migrations_ran_and_says_why_only_in_the_log(client, capsys):
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.text == "not ready\n"
    assert "Not ready: the database does not answer as expected" in capsys.readouterr().err


def test_readyz_is_not_ready_when_the_database_is_behind(client, migrated, capsys):
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.text == "not ready\n" and "older" not in answer.text
    assert "the database is at ['older']" in capsys.readouterr().err


def test_readyz_is_not_ready_when_redis_is_configured_and_does_not_answer(app, client, migrated):
    assert client.get("/readyz").status_code == 200
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.text == "not ready\n"
