"""Real app servers for tests: granian as in production, a cookie-keeping HTTP client, and the
PostgreSQL and Redis this machine kind provides (a test that needs them fails in CI when they do
not answer, and is skipped with the reason elsewhere)."""

import http.client
import os
import re
import shlex
import signal
import socket
import subprocess
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlencode

import pytest
from redis import Redis, RedisError
from sqlalchemy.engine import make_url

from forum.config import PROJECT_ROOT

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
DEFAULT_PG = "postgresql+psycopg://root@127.0.0.1:5432/test"
# wsgi:app, naming the worker process that answers in a header.
WRAPPER = '''import os

from wsgi import app as forum


def app(environ, start_response):
    def start(status, headers, exc_info=None):
        return start_response(status, [*headers, ("X-Worker", str(os.getpid()))], exc_info)
    return forum(environ, start)
'''
# What http.client raises when the server goes away mid-exchange: an OSError when the connection
# fails or closes before any answer (RemoteDisconnected is one), an HTTPException when the answer
# itself is cut short (BadStatusLine in the status line, IncompleteRead in the body).
NO_ANSWER = (OSError, http.client.HTTPException)
FAST_PASSWORDS = {"FORUM_ARGON2_TIME_COST": "1", "FORUM_ARGON2_MEMORY_COST": "1024",
                  "FORUM_ARGON2_PARALLELISM": "1"}
# These servers' clients sign in the moment they have the form (the bot traps' minimum fill time is
# tested in tests/test_traps.py), as tests/conftest.py's test config lets the in-process ones do.
INSTANT_FORMS = {"FORUM_GUEST_FORM_MIN_SECONDS": "0", "FORUM_REGISTER_MIN_SECONDS": "0"}


# --- PostgreSQL and Redis ---------------------------------------------------------------------

def pg_url(database: str) -> str:
    """The URL of `database` on the server of FORUM_TEST_DATABASE_URL (if PostgreSQL), else the local one."""
    base = os.environ.get("FORUM_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        base = DEFAULT_PG
    return make_url(base).set(database=database).render_as_string(hide_password=False)


def _connect(url: str, database: str | None = None):
    import psycopg

    parts = make_url(url)
    return psycopg.connect(host=parts.host or "127.0.0.1", port=parts.port or 5432, user=parts.username,
                           password=parts.password, dbname=database or parts.database, connect_timeout=3,
                           autocommit=True)


def fresh_pg_database(url: str) -> None:
    """Drop and create the database of `url` (dropping any connection left by an earlier run)."""
    name = make_url(url).database
    with _connect(url, "postgres") as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def require_postgresql(url: str) -> None:
    import psycopg

    try:
        _connect(url, "postgres").close()
        return
    except psycopg.Error as error:
        problem = str(error).strip()
    unavailable(f"PostgreSQL does not answer at {make_url(url).host}:{make_url(url).port} ({problem})")


def require_redis() -> None:
    try:
        redis_db(0).ping()
        return
    except RedisError as error:
        problem = str(error).strip()
    unavailable(f"Redis does not answer on {REDIS_HOST}:{REDIS_PORT} ({problem})")


def redis_db(number: int) -> Redis:
    return Redis(host=REDIS_HOST, port=REDIS_PORT, db=number, socket_timeout=2, socket_connect_timeout=1)


def unavailable(reason: str) -> None:
    """Fail in CI (and in a PostgreSQL run), where the service must be there; skip on a laptop."""
    message = f"{reason}\nStart it as .ci/run does (pg_ctlcluster … start; redis-server --daemonize yes …)."
    if os.environ.get("CI") or os.environ.get("FORUM_TEST_DATABASE_URL", "").startswith("postgresql"):
        pytest.fail(message)
    pytest.skip(message)


# --- granian ----------------------------------------------------------------------------------

def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Granian:
    """`granian --interface wsgi` serving the forum (wrapped to name its worker) on a free port."""

    def __init__(self, folder: Path, env: dict, workers=1, threads=4, extra=()):
        self.folder, self.workers, self.port = folder, workers, free_port()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "worker_wsgi.py").write_text(WRAPPER)
        environment = {name: value for name, value in os.environ.items() if not name.startswith("FORUM_")}
        environment.update({"PYTHONPATH": os.pathsep.join([str(folder), str(PROJECT_ROOT)]),
                            "FORUM_LOCAL_HTTP": "true", **FAST_PASSWORDS, **INSTANT_FORMS,
                            "FORUM_JOBS_FILE": str(folder / "jobs.sqlite3"), **env})
        self.log_path = folder / f"granian-{self.port}.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [str(PROJECT_ROOT / ".venv" / "bin" / "granian"), "--interface", "wsgi", "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(workers), "--blocking-threads", str(threads),
             *extra, "worker_wsgi:app"],
            cwd=PROJECT_ROOT, env=environment, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text()

    def wait_until_serving(self, timeout=20) -> None:
        """Until every worker has answered a request (each on a fresh connection), or fail."""
        deadline, seen = time.monotonic() + timeout, set()
        while len(seen) < self.workers:
            assert self.process.poll() is None, "the server stopped:\n" + self.log()
            assert time.monotonic() < deadline, f"only {len(seen)} workers answered:\n" + self.log()
            try:
                seen.add(Client(self.port).get("/login").getheader("X-Worker"))
            except OSError:
                time.sleep(0.1)

    def worker_pids(self) -> list[int]:
        """The main process's children: its worker processes."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def stop(self) -> None:
        """Stop granian (which stops its workers), and if it will not, its whole process group."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self._log.close()


# --- the forum as `make run` serves it ----------------------------------------------------------

def make_run_command(port: int) -> tuple[dict, list[str]]:
    """`make run`'s granian line as make would run it on `port`: its variable assignments and its words."""
    recipe = subprocess.run(["make", "--no-print-directory", "-n", "run", f"PORT={port}"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, check=True).stdout
    line = next(line for line in recipe.replace("\\\n", " ").splitlines() if "/granian " in line)
    words, assignments = shlex.split(line), {}
    while re.fullmatch(r"[A-Z_]+=.*", words[0]):
        name, _, value = words.pop(0).partition("=")
        assignments[name] = value
    return assignments, words


class MakeRun(Granian):
    """granian started with `make run`'s own line (on a free port), on the database and settings in `env`."""

    def __init__(self, folder: Path, env: dict):
        self.folder, self.port = folder, free_port()
        folder.mkdir(parents=True, exist_ok=True)
        assignments, command = make_run_command(self.port)
        self.workers = int(command[command.index("--workers") + 1])
        environment = {name: value for name, value in os.environ.items() if not name.startswith("FORUM_")}
        environment.update({"PYTHONPATH": str(PROJECT_ROOT), **assignments, **FAST_PASSWORDS, **INSTANT_FORMS,
                            "FORUM_JOBS_FILE": str(folder / "jobs.sqlite3"), **env})
        self.log_path = folder / f"granian-{self.port}.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def wait_until_serving(self, timeout=20) -> None:
        """Until every worker has started and the forum answers, or fail."""
        deadline = time.monotonic() + timeout
        while self._started_workers() < self.workers or not self._answers():
            assert self.process.poll() is None, "the server stopped:\n" + self.log()
            assert time.monotonic() < deadline, "the forum did not answer:\n" + self.log()
            time.sleep(0.1)

    def _started_workers(self) -> int:
        return len(re.findall(r"Started worker-\d+$", self.log(), re.MULTILINE))

    def _answers(self) -> bool:
        try:
            return Client(self.port).get("/login").status == 200
        except OSError:
            return False


# --- a browser without a browser --------------------------------------------------------------

class Client:
    """A cookie jar and a fresh connection for every request. Cookies are per client, not per
    server: the same Client sent to two ports is one browser visiting two servers of one site."""

    def __init__(self, port: int, cookies: dict | None = None, address="127.0.0.1"):
        self.port, self.address = port, address
        self.cookies = cookies if cookies is not None else {}

    def on(self, port: int) -> "Client":
        """The same browser (the same cookie jar, the same address), talking to another server."""
        return Client(port, self.cookies, self.address)

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15,
                                                source_address=(self.address, 0))
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            response.text = response.read().decode()
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if not value or "expires=thu, 01 jan 1970" in cookie.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def csrf_token(self) -> str:
        return CSRF.search(self.get("/login").text).group(1)

    def submit(self, path, form: dict, htmx=False):
        """POST a form with the CSRF token of a page this client was just shown."""
        return self.request("POST", path, urlencode({"csrf_token": self.csrf_token(), **form}),
                            headers=HTMX if htmx else None)

    def sign_in(self, username, password) -> None:
        response = self.submit("/login", {"username": username, "password": password})
        assert response.status == 302, f"{response.status}: {response.text[:500]}"
