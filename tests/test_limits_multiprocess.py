"""The real server, with its production worker count, trips a limit at its number, not a multiple.

Granian serves the app as `make run` does (its WORKERS and THREADS), on the test database, with
failed sign-ins limited to 5 a minute. Every request goes over a fresh connection, so the kernel
spreads them over the workers; a one-line wrapper of wsgi:app names the answering worker in a
header, so the test knows they were spread. If both workers answered among the six attempts,
counters kept per worker could not have reached 5 on the sixth: a 429 there proves they are shared.
"""

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from forum.config import PROJECT_ROOT
from forum.extensions import db
from forum.models import RateCounter
from tests.factories import make_user

LIMIT = 5
ROUNDS = 4  # each of six requests; at least one must reach both workers
REDIS = ("127.0.0.1", 6379)
MAKEFILE = (PROJECT_ROOT / "Makefile").read_text()
WORKERS = int(re.search(r"^WORKERS \?= (\d+)$", MAKEFILE, re.M).group(1))
THREADS = int(re.search(r"^THREADS \?= (\d+)$", MAKEFILE, re.M).group(1))
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
WRAPPER = '''"""wsgi:app, naming the worker process that answers in a header."""
import os

from wsgi import app as forum


def app(environ, start_response):
    def start(status, headers, exc_info=None):
        return start_response(status, [*headers, ("X-Worker", str(os.getpid()))], exc_info)
    return forum(environ, start)
'''


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
    (tmp_path / "worker_wsgi.py").write_text(WRAPPER)
    env = {name: value for name, value in os.environ.items() if not name.startswith("FORUM_")}
    env.update({
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(PROJECT_ROOT)]),
        "FORUM_DATABASE_URL": database_url, "FORUM_SECRET_KEY": secrets.token_hex(16),
        "FORUM_LOCAL_HTTP": "true", "FORUM_LOGIN_RATE_LIMIT": f"{LIMIT} per minute",
        "FORUM_ARGON2_TIME_COST": "1", "FORUM_ARGON2_MEMORY_COST": "1024", "FORUM_ARGON2_PARALLELISM": "1",
        # Keys of their own: this run cannot meet counters left in Redis by another.
        "FORUM_RATELIMIT_KEY_PREFIX": f"test-{secrets.token_hex(4)}",
        **STORAGES[storage],
    })
    port = free_port()
    log = (tmp_path / "granian.log").open("w")
    process = subprocess.Popen(
        [str(PROJECT_ROOT / ".venv" / "bin" / "granian"), "--interface", "wsgi", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(WORKERS), "--blocking-threads", str(THREADS), "worker_wsgi:app"],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_workers(process, port, tmp_path / "granian.log")
        yield port
    finally:
        stop(process)
        log.close()


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_workers(process, port, log: Path, timeout=20):
    """Until every worker has answered (each request on a fresh connection), or fail."""
    deadline, seen = time.monotonic() + timeout, set()
    while len(seen) < WORKERS:
        assert process.poll() is None, "the server stopped:\n" + log.read_text()
        assert time.monotonic() < deadline, f"only {len(seen)} workers answered:\n" + log.read_text()
        try:
            response = Browser(port).get("/login")
            seen.add(response.getheader("X-Worker"))
        except OSError:
            time.sleep(0.1)


def stop(process):
    """Stop granian (which stops its workers), and if it will not, its whole process group."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


class Browser:
    """A cookie jar and a fresh connection for every request, from one loopback address."""

    def __init__(self, port, address="127.0.0.1"):
        self.port, self.address, self.cookies = port, address, {}

    def request(self, method, path, body=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10,
                                                source_address=(self.address, 0))
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.text = response.read().decode()
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name] = value
        return response

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, form: dict):
        return self.request("POST", path, urlencode(form))


def one_round(port, address, username):
    """Six failed sign-ins from one address for one account: (statuses, the worker answering each)."""
    browser = Browser(port, address)
    token = CSRF.search(browser.get("/login").text).group(1)
    statuses, workers = [], []
    for _ in range(LIMIT + 1):
        response = browser.post("/login", {"csrf_token": token, "username": username, "password": "wrong"})
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
