"""`flask forum backup` while the forum serves and a member keeps replying; `flask forum restore` into a
fresh instance, which then passes its integrity check and lets the member sign in."""

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from werkzeug.serving import WSGIRequestHandler, make_server

from forum import backup, create_app
from forum.extensions import db
from forum.models import Post, Thread
from tests.app_servers import Client, fresh_pg_database, pg_url
from tests.conftest import ForumClient, test_config
from tests.factories import PASSWORD, make_reply, make_thread, make_user


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        pass


@pytest.fixture
def live_port(app):
    """The test's app served over real HTTP from background threads, with room for a burst of replies."""
    app.config.update(REPLY_RATE_LIMIT="1000 per minute", NEW_MEMBER_REPLY_RATE_LIMIT="1000 per minute")
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


class Poster(threading.Thread):
    """A member replying over HTTP, one reply after another, until told to stop."""

    def __init__(self, port, username, thread_id):
        super().__init__(daemon=True)
        self.client, self.username, self.thread_id = Client(port), username, thread_id
        self.posted, self.failures, self.halt = [], [], threading.Event()

    def run(self):
        try:
            self.client.sign_in(self.username, PASSWORD)
            while not self.halt.is_set():
                body = f"Burst reply number {len(self.posted) + len(self.failures)}."
                response = self.client.submit(f"/t/{self.thread_id}/reply", {"body": body})
                (self.posted if response.status == 302 else self.failures).append(body)
        except Exception as error:  # shown by wait_for, in the test's thread
            self.failures.append(repr(error))

    def wait_for(self, count, timeout=20):
        for _ in range(int(timeout * 20)):
            if len(self.posted) >= count or not self.is_alive():
                break
            self.halt.wait(0.05)
        assert len(self.posted) >= count, f"only {len(self.posted)} replies posted: {self.failures[:3]}"


@pytest.fixture
def restored_url(database_url, tmp_path):
    """A fresh, empty instance's database of the same kind as the test database."""
    if make_url(database_url).get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'restored' / 'forum.sqlite3'}"
    url = pg_url("forum_restore")
    fresh_pg_database(url)
    return url


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=["forum", *args])


def test_a_backup_taken_while_replies_pour_in_restores_into_a_fresh_instance(app, live_port, restored_url,
                                                                            tmp_path):
    make_user(username="keeper")
    thread = make_thread(title="Backed up while busy")
    poster = Poster(live_port, "keeper", thread.id)
    poster.start()
    try:
        poster.wait_for(5)
        before = list(poster.posted)  # answered before the backup began: they must be in it
        result = invoke(app, "backup", str(tmp_path / "forum.backup"))
        during = len(poster.posted) - len(before)
        poster.wait_for(len(poster.posted) + 3)  # and the forum went on serving
    finally:
        poster.halt.set()
        poster.join(timeout=20)
    assert result.exit_code == 0, result.output
    assert "Backed up the" in result.output and poster.failures == []

    fresh = create_app(test_config(restored_url))
    fresh.test_client_class = ForumClient
    with fresh.app_context():
        result = invoke(fresh, "restore", str(tmp_path / "forum.backup"))
        assert result.exit_code == 0, result.output
        if restored_url.startswith("sqlite"):
            assert_sound(Path(make_url(restored_url).database))
        bodies = set(db.session.scalars(select(Post.body).where(Post.thread_id == thread.id)))
        assert set(before) <= bodies, "a reply answered before the backup began is missing"
        assert len(bodies) < 1 + len(poster.posted), "replies made after the backup are in it"
        # One moment's snapshot: the thread's counter agrees with its rows.
        assert db.session.get(Thread, thread.id).post_count == len(bodies)
        client = fresh.test_client()
        client.sign_in("keeper")
        page = client.get(f"/t/{thread.id}-{thread.slug}?page=1")
        assert "Sign out" in page.text and before[0] in page.text
        db.session.remove()
        db.engine.dispose()
    print(f"{len(before)} replies before the backup, {during} while it ran, {len(poster.posted)} in all")


def assert_sound(path: Path):
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        for index in ("posts_search", "threads_search"):  # the full-text index came along, intact
            connection.execute(f"INSERT INTO {index}({index}) VALUES ('integrity-check')")
        assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    finally:
        connection.close()


def test_restore_refuses_a_database_in_use_unless_forced(app, restored_url, tmp_path):
    make_reply(make_thread(), body="Kept safe.")
    assert invoke(app, "backup", str(tmp_path / "one.backup")).exit_code == 0
    fresh = create_app(test_config(restored_url))
    with fresh.app_context():
        assert invoke(fresh, "restore", str(tmp_path / "one.backup")).exit_code == 0
        again = invoke(fresh, "restore", str(tmp_path / "one.backup"))
        assert again.exit_code == 1 and "The database is not empty" in again.output
        assert "--force" in again.output
        forced = invoke(fresh, "restore", "--force", str(tmp_path / "one.backup"))
        assert forced.exit_code == 0, forced.output
        assert db.session.scalar(select(func.count(Post.id)).where(Post.body == "Kept safe.")) == 1
        db.session.remove()
        db.engine.dispose()


def test_bad_paths_get_a_message_and_exit_code_1(app, tmp_path):
    (tmp_path / "taken").write_text("an earlier backup")
    (tmp_path / "notes.txt").write_text("not a backup")
    cases = [
        (("backup", str(tmp_path / "missing" / "forum.backup")), "does not exist"),
        (("backup", str(tmp_path)), "is a folder"),
        (("backup", str(tmp_path / "taken")), "exists already"),
        (("restore", str(tmp_path / "nothing-here")), "There is no backup file"),
        (("restore", str(tmp_path / "notes.txt")), "not a backup this command made"),
    ]
    for args, message in cases:
        result = invoke(app, *args)
        assert result.exit_code == 1 and message in result.output, (args, result.output)
        assert "Traceback" not in result.output
    assert (tmp_path / "taken").read_text() == "an earlier backup"
    assert invoke(app, "backup", "--force", str(tmp_path / "taken")).exit_code == 0
    assert list(tmp_path.glob(".*partial")) == []  # nothing half-written is left behind


def test_a_missing_pg_dump_is_named(monkeypatch, tmp_path):
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    with pytest.raises(backup.BackupError, match="pg_dump was not found: install the PostgreSQL client"):
        backup.backup("postgresql+psycopg://forum@127.0.0.1:5432/forum", tmp_path / "forum.backup")
    assert list(tmp_path.iterdir()) == []


def test_keep_rotates_the_backups_in_the_folder_and_keeps_the_new_one(app, tmp_path):
    """A scheduled backup (deploy/systemd/forum-backup.timer) keeps the N newest: older ones go, other
    files stay, and a failed backup deletes nothing."""
    import os

    for day in range(1, 6):
        old = tmp_path / f"forum-2024-01-0{day}.backup"
        old.write_text("an older backup")
        os.utime(old, (1_700_000_000 + day * 86_400,) * 2)
    (tmp_path / "notes.txt").write_text("not a backup")
    failed = invoke(app, "backup", "--keep", "2", str(tmp_path / "forum-2024-01-05.backup"))  # exists: refused
    assert failed.exit_code == 1 and len(list(tmp_path.glob("*.backup"))) == 5
    result = invoke(app, "backup", "--keep", "3", str(tmp_path / "forum-2024-01-09.backup"))
    assert result.exit_code == 0, result.output
    assert "Kept the 3 newest; deleted 3 older backups" in result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "forum-2024-01-04.backup", "forum-2024-01-05.backup", "forum-2024-01-09.backup", "notes.txt"]
    assert invoke(app, "backup", "--keep", "0", str(tmp_path / "x.backup")).exit_code == 2  # at least 1
