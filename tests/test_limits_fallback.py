"""Redis down: the limits that guard passwords keep counting (in the database), the outage is logged
once and shown to admins, and the counting goes back to Redis when it answers again."""

import logging
import shutil
import socket
import subprocess
import time

import pytest
from redis import Redis, RedisError
from sqlalchemy import select

from forum import create_app
from forum.extensions import db, limiter
from forum.models import RateCounter
from forum.models.base import utcnow
from tests.conftest import ForumClient, _empty_tables, test_config
from tests.factories import make_thread, make_user

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def app_with_redis(database_url, redis_url):
    app = create_app(test_config(database_url, RATELIMIT_STORAGE_URI=None, REDIS_URL=redis_url))
    app.test_client_class = ForumClient
    return app


@pytest.fixture
def app(database_url, _schema):
    """The forum configured, as in production, with a Redis for its counters: one that is down."""
    app = app_with_redis(database_url, DEAD_REDIS)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def logged(caplog):
    caplog.set_level(logging.WARNING, logger="forum.limits")
    return caplog


def database_counters() -> dict[str, int]:
    with db.engine.connect() as connection:
        rows = connection.execute(select(RateCounter.key, RateCounter.count).where(RateCounter.expires_at > utcnow()))
        return dict(rows.all())


def outage_records(caplog, words="is unreachable"):
    return [record for record in caplog.records if record.name == "forum.limits" and words in record.getMessage()]


def wrong_password(client, username):
    return client.submit("/login", {"username": username, "password": "not the password"})


def assert_refused(response):
    assert response.status_code == 429, response.text
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert "Too many attempts" in response.text


def test_wrong_passwords_are_refused_from_the_sixth_while_redis_is_down(app, client, logged):
    member = make_user()
    answers = [wrong_password(client, member.username) for _ in range(8)]
    assert [answer.status_code for answer in answers[:5]] == [422] * 5
    for refused in answers[5:]:
        assert_refused(refused)
    assert database_counters()[f"LIMITER/login:{member.username}/auth.login/5/1/minute"] == 5
    # Logged loudly, naming the store and the reason, once for the outage rather than per request.
    [record] = outage_records(logged)
    assert record.levelno == logging.ERROR
    assert DEAD_REDIS in record.getMessage() and "Connection refused" in record.getMessage()
    # Five failures, two limits of two windows each; then each refused attempt counts towards the
    # owner's once-an-hour warning mail (forum.auth.service.devices).
    assert limiter.storage.outage.updates == 5 * 4 + 3


def test_a_long_outage_is_recalled_with_the_count_so_far(app, client, logged):
    member = make_user()
    for _ in range(2):
        wrong_password(client, member.username)
    assert len(outage_records(logged)) == 1
    limiter.storage._retry_at = limiter.storage._remind_at = 0  # as if REMIND_SECONDS had passed
    wrong_password(client, member.username)
    [reminder] = outage_records(logged, "still unreachable")
    assert reminder.levelno == logging.ERROR and "8 counter updates went to the database so far" in reminder.getMessage()


def test_the_per_account_limit_holds_across_addresses_while_redis_is_down(app, client):
    member = make_user()
    for n in range(5):
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"
        assert wrong_password(client, member.username).status_code == 422
    client.environ_base["REMOTE_ADDR"] = "192.0.2.99"
    assert_refused(wrong_password(client, member.username))


def test_password_reset_requests_are_limited_while_redis_is_down(app, client):
    for n in range(5):
        response = client.submit("/password/reset", {"email": f"nobody{n}@example.com"})
        assert response.status_code == 302
    refused = client.submit("/password/reset", {"email": "nobody9@example.com"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_registrations_are_limited_while_redis_is_down(app, client):
    for n in range(5):
        data = {"username": f"newcomer{n}", "display_name": f"Newcomer {n}", "email": f"new{n}@example.com",
                "password": "a long enough password"}
        assert client.submit("/register", data).status_code == 302
        client.post("/logout", data={"csrf_token": client.csrf_token()})
    refused = client.submit("/register", {"username": "late"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_replies_are_saved_and_still_limited_while_redis_is_down(app, client, logged):
    client.sign_in(make_user())
    thread = make_thread()
    for n in range(3):  # NEW_MEMBER_REPLY_RATE_LIMIT
        assert client.submit(f"/t/{thread.id}/reply", {"body": f"Reply {n}"}).status_code == 302
    assert client.submit(f"/t/{thread.id}/reply", {"body": "One too many"}).status_code == 429
    assert len(outage_records(logged)) == 1


def test_admins_see_that_the_store_is_unreachable(app, client):
    admin = make_user(role="admin")
    client.sign_in(admin)
    page = client.get("/admin").text
    assert 'id="limit-store-outage"' in page and "The rate-limit store is unreachable" in page
    assert DEAD_REDIS in page and "counted in the database meanwhile" in page
    moderator = app.test_client()
    moderator.sign_in(make_user(role="moderator"))
    assert "limit-store-outage" not in moderator.get("/admin").text


def test_a_password_in_the_redis_address_is_neither_logged_nor_shown(database_url, _schema, logged):
    app = app_with_redis(database_url, "redis://:s3cret-pass@127.0.0.1:1/0")
    with app.app_context():
        try:
            client = app.test_client()
            client.sign_in(make_user(role="admin"))
            page = client.get("/admin").text
            assert "redis://127.0.0.1:1/0" in page and "s3cret" not in page
            [record] = outage_records(logged)
            assert "redis://127.0.0.1:1/0" in record.getMessage() and "s3cret" not in record.getMessage()
        finally:
            db.session.remove()
            _empty_tables()
            db.engine.dispose()


# Recovery, against a Redis of the test's own


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_server():
    """A port where Redis is not yet listening, and a function that starts it there."""
    if not shutil.which("redis-server"):
        pytest.skip("no redis-server on this machine")
    port = free_port()
    servers = []

    def start() -> Redis:
        servers.append(subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL))
        client = Redis(port=port, socket_connect_timeout=1)
        for _ in range(50):
            try:
                client.ping()
                return client
            except RedisError:
                time.sleep(0.1)
        pytest.fail("redis-server did not start")

    yield port, start
    for server in servers:
        server.terminate()
        server.wait(timeout=10)


def test_counting_goes_back_to_redis_when_it_answers_again(database_url, _schema, redis_server, logged):
    port, start_redis = redis_server
    app = app_with_redis(database_url, f"redis://127.0.0.1:{port}/0")
    with app.app_context():
        try:
            member = make_user()
            admin = app.test_client()
            admin.sign_in(make_user(role="admin"))
            client = app.test_client()
            for _ in range(2):
                assert wrong_password(client, member.username).status_code == 422
            assert "limit-store-outage" in admin.get("/admin").text
            redis = start_redis()
            limiter.storage._retry_at = 0  # as if RETRY_SECONDS had passed
            assert wrong_password(client, member.username).status_code == 422
            assert limiter.storage.outage is None
            [record] = outage_records(logged, "reachable again")
            assert record.levelno == logging.WARNING and "8 counter updates went to the database" in record.getMessage()
            assert redis.get(f"LIMITS:LIMITER/login:{member.username}/auth.login/5/1/minute") == b"1"
            assert "limit-store-outage" not in admin.get("/admin").text
        finally:
            db.session.remove()
            _empty_tables()
            db.engine.dispose()
