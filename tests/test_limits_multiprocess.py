"""The real server, with its production worker count, trips a limit at its number, not a multiple.

Granian serves the app as `make run` does (its WORKERS and THREADS), on the test database, with
failed sign-ins limited to 5 a minute. Every request goes over a fresh connection, so the kernel
spreads them over the workers; a one-line wrapper of wsgi:app (tests/app_servers.py) names the
answering worker in a header, so the test knows they were spread. If both workers answered among the six attempts,
counters kept per worker could not have reached 5 on the sixth: a 429 there proves they are shared.
"""

import re
import secrets
import socket
import time
from contextlib import closing
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from forum.config import PROJECT_ROOT
from forum.extensions import db
from forum.models import RateCounter
from tests.app_servers import Client, Granian
from tests.factories import make_user

LIMIT = 5
ROUNDS = 4  # each of six requests; at least one must reach both workers
REDIS = ("127.0.0.1", 6379)
MAKEFILE = (PROJECT_ROOT / "Makefile").read_text()
WORKERS = int(re.search(r"^WORKERS \?= (\d+)$", MAKEFILE, re.M).group(1))
THREADS = int(re.search(r"^THREADS \?= (\d+)$", MAKEFILE, re.M).group(1))
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def redis_is_up() -> bool:
    try:
        with closing(socket.create_connection(REDIS, timeout=0.5)) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


STORAGES = {
    "database": {},
    "redis": {"FORUM_REDIS_URL": "redis://127.0.0.1:6379/15"},
    "memory": {"FORUM_RATELIMIT_STORAGE_URI": "memory://"},  # the control: counts per worker
}


@pytest.fixture(params=list(STORAGES))
def storage(request):
    if request.param == "redis" and not redis_is_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    return request.param


@pytest.fixture
def server(app, database_url, storage, tmp_path):
    """Granian serving the forum on a free port; yields the port, stops the server afterwards."""
    assert WORKERS >= 2, "the production server must run several workers for this test to mean anything"
    granian = Granian(tmp_path, {
        "FORUM_DATABASE_URL": database_url, "FORUM_SECRET_KEY": secrets.token_hex(16),
        "FORUM_LOGIN_RATE_LIMIT": f"{LIMIT} per minute",
        # Keys of their own: this run cannot meet counters left in Redis by another.
        "FORUM_RATELIMIT_KEY_PREFIX": f"test-{secrets.token_hex(4)}",
        **STORAGES[storage],
    }, workers=WORKERS, threads=THREADS)
    try:
        granian.wait_until_serving()
        yield granian.port
    finally:
        granian.stop()


def one_round(port, address, username):
    """Six failed sign-ins from one address for one account: (statuses, the worker answering each)."""
    browser = Client(port, address=address)
    token = CSRF.search(browser.get("/login").text).group(1)
    statuses, workers = [], []
    for _ in range(LIMIT + 1):
        form = {"csrf_token": token, "username": username, "password": "wrong"}
        response = browser.request("POST", "/login", urlencode(form))
        statuses.append(response.status)
        workers.append(response.getheader("X-Worker"))
    if response.status == 429:
        assert 0 < int(response.getheader("Retry-After")) <= 60
    return statuses, workers


def test_the_limit_trips_at_its_number_across_the_workers(server, storage):
    started = time.monotonic()
    rounds = []
    for n in range(ROUNDS):  # a fresh address and account each round: fresh counters
        rounds.append(one_round(server, f"127.0.0.{10 + n}", make_user().username))
    spread = [statuses for statuses, workers in rounds if len(set(workers)) >= 2]
    assert spread, f"the requests never reached two workers: {rounds}"
    if storage == "memory":  # the control: counted per worker, the sixth attempt slips through
        assert all(statuses == [422] * (LIMIT + 1) for statuses in spread), rounds
    else:
        assert all(statuses == [422] * LIMIT + [429] for statuses, _ in rounds), rounds
    with db.engine.connect() as connection:  # the counters are where the settings put them
        in_database = connection.execute(select(RateCounter.key)).scalars().all()
    assert bool(in_database) == (storage == "database")
    assert time.monotonic() - started < 30
