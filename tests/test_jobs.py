"""The job queue (forum/jobs.py): mail through the queue and a real worker, retries, what admins see,
and a worker killed (SIGKILL) mid-job whose job is done after it starts again.

The worker is `flask forum worker`, run as a process of its own on a queue file of the test's (or Redis,
the SQLite file serves whatever database the forum uses, PostgreSQL included). Mail arrives at the real SMTP test server (tests/mail_server.py).
"""

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from forum import create_app, jobs, mail, metrics
from forum.config import PROJECT_ROOT
from forum.database import write_transaction
from forum.extensions import db
from forum.models import User
from tests.app_servers import FAST_PASSWORDS
from tests.conftest import test_config
from tests.factories import make_thread, make_user
from tests.mail_server import Inbox, _free_port, receiving, text_of

BASE_URL = "http://forum.test"


class Worker:
    """`flask forum worker` on the test's database and queue file, its output in a log file."""

    def __init__(self, folder: Path, env: dict, *options: str):
        self.log_path = folder / f"worker-{secrets.token_hex(3)}.log"
        self._log = self.log_path.open("w")
        environment = {name: value for name, value in os.environ.items() if not name.startswith("FORUM_")}
        environment.update({"PYTHONPATH": str(PROJECT_ROOT), **FAST_PASSWORDS, **env})
        self.process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "forum", "worker", *options],
                                        cwd=PROJECT_ROOT, env=environment, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def log(self) -> str:
        return self.log_path.read_text()

    def wait_for_line(self, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log():
            assert self.process.poll() is None, "the worker stopped:\n" + self.log()
            assert time.monotonic() < deadline, f"no {text!r} in the worker's log:\n" + self.log()
            time.sleep(0.05)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        if not self._log.closed:
            self._log.close()


@pytest.fixture
def queued(tmp_path):
    """An app whose jobs wait in a queue file (no JOBS_IMMEDIATE), its database made; yields (app, env)
    where env gives a worker the same database, queue and secret. The queue file is the same whatever
    the forum's database: these tests keep to a SQLite one of their own."""
    database_url = f"sqlite:///{tmp_path / 'forum.sqlite3'}"
    settings = {"JOBS_IMMEDIATE": False, "JOBS_FILE": str(tmp_path / "jobs.sqlite3"),
                "SECRET_KEY": secrets.token_hex(16)}
    app = create_app(test_config(database_url, **settings))
    with app.app_context():
        db.drop_all()
        db.create_all()
        yield app, {"FORUM_DATABASE_URL": database_url, "FORUM_JOBS_FILE": settings["JOBS_FILE"],
                    "FORUM_SECRET_KEY": settings["SECRET_KEY"], "FORUM_BASE_URL": BASE_URL}
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    create_app(test_config(database_url))  # the queue back in the tests' immediate mode


def mail_env(app) -> dict:
    return {"FORUM_MAIL_SERVER": app.config["MAIL_SERVER"], "FORUM_MAIL_PORT": str(app.config["MAIL_PORT"]),
            "FORUM_MAIL_SENDER": app.config["MAIL_SENDER"]}


def queue_mail(app, subject="Hello", to="ann@example.com") -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "forum@forum.test", to, subject
    message.set_content("A mail sent from a request.")
    with app.test_request_context("/"):
        assert mail.send(message, background=True)


def test_mail_sent_from_a_request_waits_in_the_queue_until_the_worker_sends_it(queued, tmp_path):
    app, env = queued
    with receiving(app) as inbox:
        queue_mail(app, subject="Through the queue")
        time.sleep(0.3)
        assert inbox.messages == []  # nobody sends it but the worker
        assert [job["name"] for job in jobs.waiting()] == ["mail.deliver"]
        worker = Worker(tmp_path, {**env, **mail_env(app)})
        try:
            [message] = inbox.wait_for(1, timeout=20)
            assert message["Subject"] == "Through the queue" and message.recipients == ["ann@example.com"]
            worker.wait_for_line("Job mail.deliver done")
        finally:
            worker.stop()
    assert "mail.deliver" not in [job["name"] for job in jobs.waiting()] and jobs.failed() == []
    log = worker.log()
    assert "Job worker started" in log and "ann@" not in log  # no email address in the log


def test_notification_mail_goes_out_through_the_worker_no_cron_needed(queued, tmp_path):
    """The periodic job does what `flask forum send-mail` did from cron (queued here at once, not at
    the next minute, to keep the test short)."""
    from forum import tasks
    from forum.posts import service as posts

    app, env = queued
    lou = make_user(username="lou_d", display_name="Lou Dobbs", email="lou@example.com")
    with write_transaction() as session:
        session.get(User, lou.id).email_notifications = "each"
    writer = make_user(display_name="Susan Tyler", name_style="short")
    posts.add_reply(make_thread(title="Bridge vote"), writer, f"hi @{lou.username}")
    with receiving(app) as inbox:
        tasks.notification_mail_due()
        worker = Worker(tmp_path, {**env, **mail_env(app)})
        try:
            [message] = inbox.wait_for(1, timeout=20)
        finally:
            worker.stop()
    assert message.recipients == ["lou@example.com"] and "Bridge vote" in message["Subject"]
    assert "/p/" in text_of(message)


class HeldInbox(Inbox):
    """An SMTP server that holds the first message's DATA until told, then refuses it (the connection
    is gone by then: its worker was killed); later messages are taken."""

    def __init__(self):
        super().__init__()
        self.holding, self.release, self.calls = False, False, 0

    async def handle_DATA(self, server, session, envelope):
        self.calls += 1
        if self.calls == 1:
            self.holding = True
            while not self.release:
                await asyncio.sleep(0.05)
            return "451 Try again later"
        return await super().handle_DATA(server, session, envelope)


def test_a_worker_killed_mid_job_does_the_job_when_it_starts_again(queued, tmp_path):
    app, env = queued
    inbox = HeldInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, BASE_URL=BASE_URL,
                      MAIL_SENDER="Test Forum <forum@forum.test>")
    try:
        queue_mail(app, subject="Survives a kill")
        first = Worker(tmp_path, {**env, **mail_env(app)})
        deadline = time.monotonic() + 20
        while not inbox.holding:  # the worker is in the middle of sending it
            assert time.monotonic() < deadline, first.log()
            time.sleep(0.05)
        first.kill()
        inbox.release = True
        assert inbox.messages == []
        # Off the queue (the periodic jobs may be there): only the record of the job being run keeps it.
        assert "mail.deliver" not in [job["name"] for job in jobs.waiting()]
        second = Worker(tmp_path, {**env, **mail_env(app)})
        try:
            [message] = inbox.wait_for(1, timeout=20)
            second.wait_for_line("Job mail.deliver done")
        finally:
            second.stop()
        assert message["Subject"] == "Survives a kill"
        assert f"process {first.process.pid}" in second.log() and "queued again" in second.log()
        assert jobs.failed() == []
    finally:
        controller.stop()


def test_make_run_starts_the_worker_beside_granian_and_it_stops_with_make(queued, tmp_path):
    recipe = subprocess.run(["make", "--no-print-directory", "-n", "run"], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, check=True).stdout.replace("\\\n", " ").splitlines()
    [worker_line] = [line for line in recipe if " forum worker " in line]
    [granian_line] = [line for line in recipe if "/granian " in line]
    assert worker_line.endswith("--stop-with $PPID &")  # in the background, stopped once make ends
    metrics_dir = "PROMETHEUS_MULTIPROC_DIR=instance/metrics"
    assert metrics_dir in worker_line and metrics_dir in granian_line  # its counts reach /metrics

    app, env = queued
    make = subprocess.Popen(["sleep", "3"])
    worker = Worker(tmp_path, env, "--stop-with", str(make.pid))
    try:
        worker.wait_for_line("Job worker started")
        make.wait()
        worker.process.wait(15)
        assert "Shutting down gracefully" in worker.log()
    finally:
        worker.stop()


# --- Retries, and what admins see (jobs run at once, JOBS_IMMEDIATE) ---------------------------------

def test_a_mail_the_server_refuses_is_tried_again_later_then_listed_for_admins(app, client, caplog):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port(), BASE_URL=BASE_URL, MAIL_TIMEOUT=1)
    failed_before = metrics.JOBS_FAILED._value.get()
    retried_before = metrics.JOBS_RETRIED._value.get()
    queue_mail(app, subject="Nobody listens")
    [waiting] = jobs.waiting()
    assert waiting["name"] == "mail.deliver" and waiting["retry"] == jobs.RETRIES - 1
    assert 25 < (waiting["due"] - jobs._utcnow()).total_seconds() <= 30  # the first back-off
    assert metrics.JOBS_RETRIED._value.get() == retried_before + 1
    assert "Job mail.deliver failed: MailNotSent" in caplog.text and "trying again in 30 s" in caplog.text

    # Each later try waits twice as long; the last failure is kept for the admins.
    delays = []
    while scheduled := jobs.queue.scheduled():
        [task] = scheduled
        jobs.queue.storage.flush_schedule()
        delays.append(task.retry_delay)
        task.eta = None  # its time has come
        jobs.queue.execute(task)
    assert delays == [60, 120, 240, 480, 960][:jobs.RETRIES]
    assert metrics.JOBS_FAILED._value.get() == failed_before + 1
    [failure] = jobs.failed()
    assert failure["name"] == "mail.deliver" and "MailNotSent" in failure["error"]

    admin = make_user(role="admin", username="boss", display_name="Bea Boss", email="boss@example.com")
    client.sign_in(admin)
    page = client.get("/admin").get_data(as_text=True)
    assert 'id="jobs-failed"' in page and "mail.deliver" in page and "Nobody listens" in page
    assert "1 failed for good" in page


def test_jobs_waiting_and_failed_are_for_admins_only(app, client):
    moderator = make_user(role="moderator", username="mona_m", display_name="Mo Derator")
    client.sign_in(moderator)
    page = client.get("/admin").get_data(as_text=True)
    assert "Background jobs" not in page


def test_metrics_count_jobs_and_the_waiting(app, client, smtp_server):
    done_before = metrics.JOBS_DONE._value.get()
    queue_mail(app)  # sent at once (JOBS_IMMEDIATE)
    smtp_server.wait_for(1)
    assert metrics.JOBS_DONE._value.get() == done_before + 1
    body = client.get("/metrics").get_data(as_text=True)
    assert 'forum_jobs_total{result="done"}' in body
    assert 'forum_jobs_waiting{when="now"} 0.0' in body and 'forum_jobs_waiting{when="later"} 0.0' in body


def test_a_jobs_log_lines_carry_the_id_of_the_request_that_queued_it(app, client, capsys, smtp_server):
    make_user(username="ann", email="ann@example.com")
    response = client.submit("/password/reset", {"email": "ann@example.com"})
    request_id = response.headers["X-Request-ID"]
    smtp_server.wait_for(1)
    lines = [line for line in capsys.readouterr().err.splitlines() if f"[{request_id}]" in line]
    assert any("Job mail.deliver started" in line for line in lines), lines
    assert any("Job mail.deliver done" in line for line in lines), lines


def test_the_hourly_clean_up_deletes_expired_counters_and_frees_held_usernames(app, capsys):
    from datetime import timedelta

    from forum import tasks
    from forum.models.base import utcnow
    from forum.models.moderation import RateCounter

    now = utcnow()
    gone = make_user(username="rhonda", email="rhonda@example.com")
    with write_transaction() as session:
        session.add_all([RateCounter(key="old", count=3, expires_at=now - timedelta(minutes=1)),
                         RateCounter(key="current", count=1, expires_at=now + timedelta(minutes=1))])
        session.get(User, gone.id).deleted_at = now - timedelta(days=app.config["DELETED_USERNAME_HOLD_DAYS"] + 1)
    tasks.clean_up()  # queued, and run at once (JOBS_IMMEDIATE)
    db.session.expire_all()
    assert db.session.scalars(db.select(RateCounter.key)).all() == ["current"]
    assert db.session.get(User, gone.id).username.startswith("~")
    assert "Clean-up: 1 expired rate-limit counter deleted, 1 username freed" in capsys.readouterr().err
