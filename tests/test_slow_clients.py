"""Slow clients cannot stop the served forum (issue 10, item 4).

granian serves the forum with `make run`'s own command line (read with `make -n run`). Fifty clients
each declare a 100,000-byte sign-in form and send it a byte a second; fifty more send their request
headers a byte a second. While all hundred hold on, guests keep asking for pages and each must be
answered within two seconds. Under granian's WSGI interface a dozen such bodies held every thread and
no guest was answered at all; forum/serving.py hands a request to a thread only once its body is in.
"""

import http.client
import re
import secrets
import shlex
import socket
import threading
import time

import pytest

from forum import create_app
from forum.config import PROJECT_ROOT
from forum.extensions import db
from tests.app_servers import Client, MakeRun, make_run_command
from tests.conftest import test_config
from tests.factories import PASSWORD, make_thread, make_user

SLOW_BODIES = SLOW_HEADERS = 50
BODY_START = (b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
              b"Content-Length: 100000\r\n\r\n")
HEADER_START = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "  # a header line that never ends
GUEST_SECONDS = 6  # how long guests keep asking while the slow clients hold on
ANSWER_WITHIN = 2.0


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    """A fresh SQLite database with the schema, and the test's app context; yields the server's settings."""
    url = f"sqlite:///{tmp_path_factory.mktemp('slow') / 'forum.sqlite3'}"
    app = create_app(test_config(url))
    with app.app_context():
        db.create_all()
        yield {"FORUM_DATABASE_URL": url, "FORUM_SECRET_KEY": secrets.token_hex(32),
               "PROMETHEUS_MULTIPROC_DIR": str(tmp_path_factory.mktemp("metrics"))}  # not the project's instance/
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def served(settings, tmp_path_factory):
    """The forum as `make run` serves it."""
    server = MakeRun(tmp_path_factory.mktemp("served"), settings)
    try:
        server.wait_until_serving()
        yield server
    finally:
        server.stop()


class SlowClients:
    """Connections that each send the start of a request, then one more byte a second (a context manager)."""

    def __init__(self, port: int):
        self.port, self.sockets, self.stop = port, [], threading.Event()
        self.dripping = threading.Thread(target=self._drip, daemon=True)

    def __enter__(self):
        self.dripping.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.dripping.join(timeout=5)
        for connection, _ in self.sockets:
            connection.close()

    def open(self, count: int, start: bytes, drip: bytes) -> None:
        for _ in range(count):
            connection = socket.create_connection(("127.0.0.1", self.port), timeout=2)
            connection.sendall(start)
            connection.setblocking(False)
            self.sockets.append((connection, drip))

    def _drip(self):
        while not self.stop.wait(1):
            for connection, drip in list(self.sockets):
                try:
                    connection.send(drip)
                except OSError:  # closed by the server: connected() counts it out
                    pass

    def connected(self) -> int:
        """How many are still waiting: neither closed nor answered by the server."""
        waiting = 0
        for connection, _ in self.sockets:
            try:
                connection.recv(1, socket.MSG_PEEK)
            except BlockingIOError:
                waiting += 1
            except OSError:
                pass
        return waiting



def guests_asking(port: int, seconds: float) -> list[tuple[str, object, float]]:
    """Guests asking for the front page and the sign-in page in turn: (path, status or error, seconds)."""
    answers, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in ("/", "/login"):
            started = time.monotonic()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=ANSWER_WITHIN + 1)
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                answers.append((path, response.status, time.monotonic() - started))
            except OSError as error:
                answers.append((path, type(error).__name__, time.monotonic() - started))
            finally:
                connection.close()
    return answers


def test_guests_are_answered_while_a_hundred_slow_clients_hold_on(served):
    with SlowClients(served.port) as slow:
        slow.open(SLOW_BODIES, BODY_START, b"a")
        slow.open(SLOW_HEADERS, HEADER_START, b"x")
        time.sleep(1.5)  # every slow body has reached a worker and is being waited for
        answers = guests_asking(served.port, GUEST_SECONDS)
        still_waiting = slow.connected()
    assert still_waiting == SLOW_BODIES + SLOW_HEADERS, "the slow clients held on while guests asked"
    late = [(path, status, f"{seconds:.1f} s") for path, status, seconds in answers
            if status != 200 or seconds > ANSWER_WITHIN]
    assert len(answers) >= 10 and late == [], f"{len(late)} of {len(answers)} guests waited: {late[:6]}"


def test_members_sign_in_and_reply_through_the_served_forum(served):
    member, thread = make_user(), make_thread(title="Served whole")
    browser = Client(served.port)
    browser.sign_in(member.username, PASSWORD)
    page = browser.submit(f"/t/{thread.id}/reply", {"body": "A reply that came in whole."})
    fragment = browser.submit(f"/t/{thread.id}/reply", {"body": "And one by htmx."}, htmx=True)
    assert (page.status, fragment.status) == (302, 201)
    assert "A reply that came in whole." in browser.get(page.getheader("Location")).text
    assert "And one by htmx." in fragment.text


def test_a_body_larger_than_any_form_gets_the_forums_413_unread(served):
    answer = exchange(served.port, BODY_START.replace(b"100000", b"50000000") + b"a")  # and not a byte more
    assert answer.startswith(b"HTTP/1.1 413 ") and b"That is too large to send." in answer


def test_a_chunked_body_is_refused_with_a_reason(served):
    answer = exchange(served.port, BODY_START.replace(b"Content-Length: 100000", b"Transfer-Encoding: chunked")
                      + b"a\r\nusername=x\r\n0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 411 ") and b"Content-Length" in answer


def exchange(port: int, request: bytes) -> bytes:
    """Send raw bytes, then read the answer until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_a_body_slower_than_the_deadline_is_refused_and_its_connection_closed(settings, tmp_path):
    server = MakeRun(tmp_path, {**settings, "FORUM_REQUEST_BODY_SECONDS": "2"})
    try:
        server.wait_until_serving()
        with SlowClients(server.port) as slow:
            slow.open(1, BODY_START, b"a")
            started = time.monotonic()
            while slow.connected() and time.monotonic() - started < 5:
                time.sleep(0.1)
            answer = slow.sockets[0][0].recv(65536)
        assert 2 <= time.monotonic() - started < 4
        assert answer.startswith(b"HTTP/1.1 408 ") and b"longer than 2 seconds" in answer
    finally:
        server.stop()


def test_the_readme_serves_the_forum_as_make_run_does():
    """The deployment section's granian line has `make run`'s flags (its own address and port)."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    deploying = readme[readme.index("## Deploying"):]
    line = re.search(r"^\.venv/bin/granian .*?(?<!\\)$", deploying, re.MULTILINE | re.DOTALL).group(0)
    documented = shlex.split(line.replace("\\\n", " "))
    _, served = make_run_command(8000)
    assert without_address(documented) == without_address(served)


def without_address(words: list[str]) -> list[str]:
    """A granian command line without its program, --host and --port."""
    flags = words[1:]
    for option in ("--host", "--port"):
        at = flags.index(option)
        del flags[at:at + 2]
    return flags
