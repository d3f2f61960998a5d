"""Logs (issue 14): one line per request and the app's events, plain or JSON, each with the request's
id; unexpected errors logged with their traceback and id, shown the id, and reported when configured."""

import io
import json
import logging
import re
import sys

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from forum import create_app, jobs, logs
from forum.extensions import db
from forum.logs import StandardErrorHandler
from tests.conftest import HTMX, test_config
from tests.factories import make_user
from tests.test_jobs import queue_mail

REQUEST_LINE = re.compile(r"^\S+ \S+ INFO forum\.requests \[(?P<id>[^\]]+)\] (?P<method>\S+) (?P<path>\S+) "
                          r"(?P<status>\d{3}) (?P<ms>[\d.]+)ms member=(?P<member>\S+)$")


@pytest.fixture(autouse=True)
def root_logger(monkeypatch):
    """Whatever a test's create_app does to the root logger is undone after it."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    return root


@pytest.fixture
def make_app(database_url, _schema):
    """`make_app(**settings)`: a further app on the test database, with its tables emptied afterwards."""
    made = []

    def make(**settings):
        app = create_app(test_config(database_url, **settings))
        made.append(app)
        return app

    yield make
    if made:
        with made[0].app_context():
            db.session.remove()
            with db.engine.begin() as connection:
                for table in reversed(db.metadata.sorted_tables):
                    connection.execute(table.delete())
    for app in made:  # each app's own pool (on PostgreSQL, connections left open warn when collected)
        with app.app_context():
            db.engine.dispose()


def request_lines(text: str) -> list[re.Match]:
    return [match for line in text.splitlines() if (match := REQUEST_LINE.match(line))]


def test_each_request_gets_one_plain_line_with_its_id_which_the_answer_carries(client, capsys):
    capsys.readouterr()
    response = client.get("/login?next=/secret")
    [line] = request_lines(capsys.readouterr().err)
    assert (line["method"], line["path"], line["status"], line["member"]) == ("GET", "/login", "200", "guest")
    assert float(line["ms"]) > 0
    assert line["id"] == response.headers["X-Request-ID"] and re.fullmatch(r"[0-9a-f]{16}", line["id"])
    assert client.get("/login").headers["X-Request-ID"] != line["id"]  # made fresh for each request


def test_the_request_line_is_written_without_walking_the_stack(client, capsys, monkeypatch):
    """findCaller() looks for the file and line of the call, which no format here shows: a sixth of a
    plain line's cost on a page answered from memory (README "Logs, health and metrics")."""
    def walked(*args, **kwargs):
        raise AssertionError("the request line walked the stack")

    monkeypatch.setattr(logging.getLogger("forum.requests"), "findCaller", walked)
    capsys.readouterr()
    response = client.get("/login")
    [line] = request_lines(capsys.readouterr().err)
    assert (line["method"], line["path"], line["status"], line["member"]) == ("GET", "/login", "200", "guest")
    assert line["id"] == response.headers["X-Request-ID"]


def test_a_members_requests_name_the_member_by_id(client, capsys):
    member = make_user(username="logged_by_id", email="logged.by.id@example.com")
    client.sign_in(member)
    capsys.readouterr()
    client.get("/settings")
    [line] = request_lines(capsys.readouterr().err)
    assert line["member"] == str(member.id)


def test_the_sign_in_token_in_the_session_never_reaches_the_log(app, client, capsys):
    member = make_user()
    client.sign_in(member)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    token = app.session_interface.get_signing_serializer(app).loads(cookie)["_user_id"]
    client.get("/healthz")
    client.get("/settings")
    logged = capsys.readouterr().err
    assert f"member={member.id}" in logged and len(token) > 16 and token not in logged


def test_every_line_of_a_request_carries_its_id(client, capsys):
    make_user(username="someone_real")
    capsys.readouterr()
    response = client.submit("/login", {"username": "someone_real", "password": "not the password 1"})
    request_id = response.headers["X-Request-ID"]
    lines = [line for line in capsys.readouterr().err.splitlines() if f"[{request_id}]" in line]
    assert any("forum.auth" in line and "Failed sign-in" in line for line in lines), lines
    assert any(REQUEST_LINE.match(line) and " POST /login 422 " in line for line in lines), lines


def test_json_lines_when_the_setting_asks(make_app, capsys):
    app = make_app(LOG_FORMAT="json")
    with app.app_context():
        make_user(username="json_member")
    capsys.readouterr()
    response = app.test_client().post("/login", data={"username": "json_member", "password": "wrong"})
    records = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    request_id = response.headers["X-Request-ID"]
    [line] = [record for record in records if record["name"] == "forum.requests"]
    assert line["request_id"] == request_id and line["level"] == "INFO" and line["time"]
    assert (line["method"], line["path"], line["status"], line["member"]) == ("POST", "/login", 400, "guest")
    assert line["duration_ms"] > 0 and line["endpoint"] == "auth.login"
    assert all(record["request_id"] == request_id for record in records)


def test_request_lines_can_be_left_to_the_proxy_and_events_are_still_logged(make_app, capsys):
    app = make_app(LOG_REQUESTS=False)
    capsys.readouterr()
    response = app.test_client().post("/login", data={"username": "x", "password": "y"})
    logged = capsys.readouterr().err
    assert request_lines(logged) == [] and f"[{response.headers['X-Request-ID']}] CSRF refused" in logged


def test_a_request_id_from_a_trusted_proxy_is_kept_and_otherwise_made_fresh(make_app):
    given = {"X-Request-ID": "proxy-7f3a.2"}
    behind_proxy = make_app(PROXY_HOPS=1).test_client()
    assert behind_proxy.get("/login", headers=given).headers["X-Request-ID"] == "proxy-7f3a.2"
    odd = behind_proxy.get("/login", headers={"X-Request-ID": "no spaces\tor tabs"}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", odd)
    direct = make_app(PROXY_HOPS=0).test_client()  # anyone could send the header: not believed
    assert direct.get("/login", headers=given).headers["X-Request-ID"] != "proxy-7f3a.2"


def test_no_token_email_or_password_reaches_the_log(client, capsys, lou_with_mail):
    capsys.readouterr()
    client.submit("/password/reset", {"email": "lou.logged@example.com"})
    client.get("/password/reset/secret-token-value-123?x=lou.logged@example.com")
    client.submit("/login", {"username": "lou_logged", "password": "A wrong password 99"})
    client.submit("/login", {"username": "lou.logged@example.com", "password": "A wrong password 99"})
    client.submit("/login", {"username": "Typed-Password-42", "password": "x"})  # the password in the wrong box
    logged = capsys.readouterr().err
    assert logged.count(f"Failed sign-in: 'lou_logged' (member {lou_with_mail.id})") == 2
    assert "Failed sign-in: no such member" in logged and "Typed-Password-42".lower() not in logged.lower()
    assert "POST /password/reset 302" in logged and "GET /password/reset/<token> " in logged
    for secret in ("secret-token-value-123", "lou.logged@", "A wrong password 99"):
        assert secret not in logged


@pytest.fixture
def lou_with_mail():
    return make_user(username="lou_logged", email="lou.logged@example.com")


def failing_app(make_app, **settings):
    app = make_app(**settings)

    @app.get("/_fails")
    def fails():
        raise RuntimeError("the gears jammed")

    return app


def test_an_unexpected_error_is_logged_with_its_traceback_and_the_page_shows_its_id(make_app, capsys):
    capsys.readouterr()
    response = failing_app(make_app).test_client().get("/_fails")
    request_id = response.headers["X-Request-ID"]
    assert response.status_code == 500 and f"<code>{request_id}</code>" in response.text
    logged = capsys.readouterr().err
    assert f"ERROR forum [{request_id}] Unhandled error" in logged
    assert "Traceback (most recent call last)" in logged and "RuntimeError: the gears jammed" in logged
    assert f"[{request_id}] GET /_fails 500 " in logged


def test_an_htmx_request_that_fails_is_told_the_id_too(make_app):
    response = failing_app(make_app).test_client().get("/_fails", headers=HTMX)
    assert response.status_code == 500 and f"(Reference: {response.headers['X-Request-ID']})" in response.text


def test_ordinary_error_pages_do_not_show_an_id(client):
    assert "reference" not in client.get("/no/such/page").text.lower()


class Caught(Transport):
    """A sentry_sdk Transport that keeps the envelopes it is given instead of sending them anywhere."""

    envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)


REPORTING = {"SENTRY_DSN": "https://public@errors.invalid/1", "SENTRY_OPTIONS": {"transport": Caught}}


@pytest.fixture
def reporter_switched_off():
    """The error reporter is the SDK's, one per process: switched off after the test, or every later
    test in this process would report through it (and find its integrations at work)."""
    yield
    sentry_sdk.get_global_scope().set_client(None)


def test_errors_go_to_the_error_reporter_when_a_dsn_is_set(make_app, reporter_switched_off):
    Caught.envelopes = []
    app = failing_app(make_app, **REPORTING)
    try:
        response = app.test_client().get("/_fails?q=private-query", headers={"Cookie": "session=private-cookie",
                                                                             "X-Forwarded-For": "198.51.100.23"})
        app.extensions["error_reporter"].flush()
    finally:
        app.extensions["error_reporter"].get_client().close()
    events = [item.payload.json for envelope in Caught.envelopes for item in envelope.items if item.type == "event"]
    [event] = events
    assert event["tags"]["request_id"] == response.headers["X-Request-ID"]
    assert event["exception"]["values"][-1]["value"] == "the gears jammed"
    sent = json.dumps(event)
    assert "private-" not in sent and "198.51.100.23" not in sent  # no cookies, query, headers


def test_a_job_queued_by_an_app_that_reports_errors_runs_in_a_worker_that_does_not(make_app, reporter_switched_off,
                                                                                 tmp_path):
    """The SDK's Huey integration would add its own argument to each queued job, and a worker without a
    DSN (or without the SDK) would then fail every job with a TypeError."""
    app = make_app(**REPORTING, JOBS_IMMEDIATE=False, JOBS_FILE=str(tmp_path / "jobs.sqlite3"), MAIL_SERVER="127.0.0.1")
    try:
        queue_mail(app)
        [task] = jobs.queue.pending()
        assert task.name == "mail.deliver" and set(task.kwargs) == {"request_id"}
    finally:
        make_app()  # the queue back in the tests' immediate mode


def test_without_a_dsn_nothing_is_reported(make_app):
    assert "error_reporter" not in make_app().extensions


def test_an_unknown_log_format_is_refused_at_start(make_app):
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        make_app(LOG_FORMAT="xml")


def test_the_handler_is_replaced_not_added_by_each_app(make_app, root_logger):
    make_app()
    make_app(LOG_FORMAT="json")
    assert len([handler for handler in root_logger.handlers if isinstance(handler, StandardErrorHandler)]) == 1


def test_stderr_which_passes_each_write_on_is_not_flushed_again_and_any_other_stream_is(monkeypatch):
    class Stream(io.StringIO):
        flushes = 0

        def flush(self):
            self.flushes += 1

    handler = logs.StandardErrorHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    record = logging.LogRecord("forum.requests", logging.INFO, __file__, 0, "a line", None, None)
    buffered, passing_on = Stream(), Stream()
    passing_on.write_through = True
    for stream in (buffered, passing_on):
        monkeypatch.setattr(sys, "stderr", stream)
        handler.handle(record)
        assert stream.getvalue() == "a line\n"
    assert (buffered.flushes, passing_on.flushes) == (1, 0)
    # Python's own stderr, which the handler writes to in production, passes each write to its file.
    assert sys.__stderr__.write_through and isinstance(sys.__stderr__.buffer, io.FileIO)
