"""A worker killed (SIGKILL) in the middle of a burst of replies loses nothing that was confirmed.

Granian serves the forum with two workers, restarting a worker that dies (--respawn-failed-workers,
as the README's deployment section advises). Several members reply as fast as they can, each reply
carrying a token of its own; one worker is killed while they do. Afterwards the database passes its
integrity check, every reply answered with success (the redirect to it, or 201 for htmx) is there,
and each thread's post counter agrees with its rows: no transaction was left half done. A reply whose
answer the kill cut off (no answer at all, or a status line or body cut short) was promised nothing.
"""

import os
import secrets
import signal
import sqlite3
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from forum import create_app
from forum.extensions import db
from forum.models import Post, Thread
from tests.app_servers import NO_ANSWER, Client, Granian, fresh_pg_database, pg_url, require_postgresql
from tests.conftest import test_config
from tests.factories import PASSWORD, make_thread, make_user

WRITERS = 4
BEFORE_KILL, AFTER_KILL = 24, 24  # confirmed replies wanted on each side of the kill
GENEROUS = "100000 per minute"


def databases():
    kinds = ["sqlite"]
    if os.environ.get("FORUM_TEST_DATABASE_URL", "").startswith("postgresql"):
        kinds.append("postgresql")  # cheap enough in the PostgreSQL run
    return kinds


@pytest.fixture(params=databases())
def instance(request, tmp_path):
    """A fresh database with the schema and the test's app context; yields its URL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'forum.sqlite3'}"
    else:
        url = pg_url("forum_crash")
        require_postgresql(url)
        fresh_pg_database(url)
    app = create_app(test_config(url))
    with app.app_context():
        db.create_all()
        yield url
        db.session.remove()
        db.engine.dispose()


class Writer(threading.Thread):
    """A member posting replies in a loop (as a page, or with htmx), remembering which were confirmed
    (the redirect to the reply, or 201 with it) and which worker answered."""

    def __init__(self, port, username, thread_id, stop, htmx):
        super().__init__(daemon=True)
        self.client, self.username, self.thread_id, self.stop = Client(port), username, thread_id, stop
        self.htmx, self.success = htmx, 201 if htmx else 302
        self.confirmed, self.unanswered, self.refused, self.workers = [], [], [], set()

    def run(self):
        try:
            self.client.sign_in(self.username, PASSWORD)
        except (AssertionError, *NO_ANSWER) as error:
            self.refused.append(("signing in", repr(error)))
            return
        while not self.stop.is_set():
            body = f"Reply {secrets.token_hex(8)} from {self.username}."
            try:
                response = self.client.submit(f"/t/{self.thread_id}/reply", {"body": body}, htmx=self.htmx)
            except NO_ANSWER as error:  # the worker died with the request: no (whole) answer, no promise
                self.unanswered.append((body, type(error).__name__))
                continue
            self.workers.add(response.getheader("X-Worker"))
            (self.confirmed if response.status == self.success else self.refused).append((body, response.status))


def confirmed(writers) -> int:
    return sum(len(writer.confirmed) for writer in writers)


def wait_until(condition, timeout, what, writers=()):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {[w.refused[:2] for w in writers]}"
        time.sleep(0.05)


def test_killing_a_worker_mid_burst_loses_no_confirmed_reply(instance, tmp_path):
    members = [make_user().username for _ in range(WRITERS)]
    threads = [make_thread(title=f"Burst {n}") for n in range(2)]
    thread_ids = [thread.id for thread in threads]
    env = {"FORUM_DATABASE_URL": instance, "FORUM_SECRET_KEY": secrets.token_hex(32),
           "FORUM_REPLY_RATE_LIMIT": GENEROUS, "FORUM_NEW_MEMBER_REPLY_RATE_LIMIT": GENEROUS}
    server = Granian(tmp_path / "server", env, workers=2, threads=4,
                     extra=["--respawn-failed-workers", "--respawn-interval", "1"])
    stop = threading.Event()
    writers = [Writer(server.port, name, thread_ids[n % 2], stop, htmx=n >= WRITERS // 2)
               for n, name in enumerate(members)]
    try:
        server.wait_until_serving()
        for writer in writers:
            writer.start()
        wait_until(lambda: confirmed(writers) >= BEFORE_KILL, 30, "replies before the kill", writers)
        victim = server.worker_pids()[0]
        assert str(victim) in set().union(*(writer.workers for writer in writers)), "the victim served replies"
        os.kill(victim, signal.SIGKILL)
        at_kill = confirmed(writers)
        wait_until(lambda: confirmed(writers) >= at_kill + AFTER_KILL, 30, "replies after the kill", writers)
        wait_until(lambda: server.log().count("Started worker") == 3, 15, "granian to start a new worker")
        assert victim not in server.worker_pids() and len(server.worker_pids()) == 2
    finally:
        stop.set()
        for writer in writers:
            writer.join(timeout=20)
        server.stop()
    assert "Unexpected exit from worker" in server.log()
    assert not any(writer.refused for writer in writers), [writer.refused[:3] for writer in writers]
    assert_nothing_lost(instance, writers, thread_ids)


def assert_nothing_lost(instance, writers, thread_ids):
    """Integrity, every confirmed reply, and counters that agree with the rows."""
    if instance.startswith("sqlite"):
        connection = sqlite3.connect(make_url(instance).database)
        try:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        finally:
            connection.close()
    db.session.remove()
    stored = set(db.session.scalars(select(Post.body)))
    promised = [body for writer in writers for body, _ in writer.confirmed]
    missing = [body for body in promised if body not in stored]
    assert missing == [], f"{len(missing)} confirmed replies are missing"
    for thread_id in thread_ids:  # each reply's post and its thread's counter were written together
        rows = db.session.scalar(select(func.count(Post.id)).where(Post.thread_id == thread_id))
        assert db.session.get(Thread, thread_id).post_count == rows
    cuts = Counter(error for writer in writers for _, error in writer.unanswered)
    print(f"{len(promised)} confirmed; cut off by the kill: {dict(cuts) or 'none'}")


# Where a dying worker can cut its answer to a reply, and what http.client then raises.
CUTS = {"before the status line": "RemoteDisconnected", "in the status line": "BadStatusLine",
        "in the body": "IncompleteRead"}


class CuttingHandler(BaseHTTPRequestHandler):
    """A stand-in for a worker killed while answering: signing in works, every reply is cut off."""

    def do_GET(self):
        self.answer(200, b'<input name="csrf_token" value="token">')

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))  # read all, so closing sends no reset
        if self.path == "/login":
            return self.answer(302, b"", {"Location": "/"})
        self.close_connection = True
        cut = self.server.cut
        if cut == "in the status line":
            self.wfile.write(b"HTTP/1.1 30")
        elif cut == "in the body":
            self.send_response(302)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"Redirecting to the rep")

    def answer(self, status, body, headers=()):
        self.send_response(status)
        for name, value in dict(headers).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("cut", CUTS)
def test_a_reply_whose_answer_is_cut_off_is_unanswered_not_a_crash(cut):
    server = ThreadingHTTPServer(("127.0.0.1", 0), CuttingHandler)
    server.cut = cut
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()
    writer = Writer(server.server_address[1], "member", thread_id=1, stop=stop, htmx=False)
    try:
        writer.start()
        wait_until(lambda: len(writer.unanswered) >= 3 or not writer.is_alive(), 10, "three cut replies")
    finally:
        stop.set()
        writer.join(timeout=10)
        server.shutdown()
        server.server_close()
    assert writer.confirmed == [] and writer.refused == []
    assert len(writer.unanswered) >= 3, "the writer stopped at the first cut answer"
    assert {error for _, error in writer.unanswered} == {CUTS[cut]}
