"""Fixtures: a fresh app per test on SQLite (or FORUM_TEST_DATABASE_URL), clients, sign-in."""

import math
import os
import re
import weakref
from pathlib import Path

import pytest
from flask import g, has_app_context, has_request_context
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import make_url

from forum import create_app, settings
from forum.database import WRITE_OPTION, new_pages_version
from forum.extensions import db
from tests.app_servers import fresh_pg_database

# The smtp_server fixture, for every test that reads the mail the forum sends; lou and susan, who write
# to each other in the private conversation tests.
pytest_plugins = ["tests.mail_server", "tests.message_fixtures"]

HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}
CSRF_IN_PAGE = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_config(database_url, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test secret key",
        "DATABASE_URL": database_url,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "ARGON2_PARALLELISM": 1,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Jobs run where they are queued (forum/jobs.py); tests/test_jobs.py runs a real worker.
        "JOBS_IMMEDIATE": True,
        # The bot traps' own tests (tests/test_traps.py, tests/browser/test_bot_traps.py) set these
        # back: elsewhere a test client sends its forms at once and registers without solving a
        # puzzle, and a browser solves a small one (a full-size one takes a loaded machine seconds).
        "REGISTER_MIN_SECONDS": 0,
        "GUEST_FORM_MIN_SECONDS": 0,
        "REGISTER_UNSOLVED_RATE_LIMIT": "1000 per hour",
        "REGISTER_CHALLENGE_MAX_NUMBER": 1000,
    }
    config.update(overrides)
    return config


test_config.__test__ = False  # a helper, not a test, wherever it is imported


@event.listens_for(db.session, "before_commit")
def _a_tests_own_commit_is_seen_by_guests(session):
    """Guests' pages are cached in every test, as in production. A test that commits a change itself,
    not through a service's write_transaction, changes what guests may see: like a service's public
    change, it gets a new pages_version, so that no test passes or fails on a stale page. (The app's
    own commits inside a request are left alone: one that skipped write_transaction is a bug to see.)"""
    if not has_request_context() and not session.connection().get_execution_options().get(WRITE_OPTION):
        new_pages_version(session)


@pytest.fixture(autouse=True)
def _every_apps_pool_closed():
    """After each test, close the connection pools of the apps it made, its own create_app()s too (the
    app fixture closes its pool itself). On PostgreSQL a pool left open warns when it is collected, and
    the warning (an error here) would fail whichever later test was running then. Flask-SQLAlchemy keeps
    each live app's engines in db._app_engines."""
    earlier = weakref.WeakSet(db._app_engines.keys())  # a module's or the session's own apps stay open
    yield
    for app, engines in list(db._app_engines.items()):
        if app not in earlier:
            for engine in engines.values():
                engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    """SQLite in this run's temporary folder, or FORUM_TEST_DATABASE_URL. When `make test` splits the run
    between processes (pytest-xdist), each has its own: a temporary folder each, and a database each
    named after the given one with the process's name added (test_gw0 on PostgreSQL, made afresh;
    forum_gw0.sqlite3 for a SQLite file)."""
    url = os.environ.get("FORUM_TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "forum.sqlite3")
    given = make_url(url)
    if worker_id == "master" or given.database in (None, "", ":memory:"):
        return url
    name = Path(given.database)
    own = given.set(database=str(name.with_stem(f"{name.stem}_{worker_id}"))).render_as_string(hide_password=False)
    if given.get_backend_name() == "postgresql":
        fresh_pg_database(own)
    return own


@pytest.fixture(scope="session")
def _schema(database_url):
    """Create the tables once per run (dropping leftovers of an earlier run)."""
    app = create_app(test_config(database_url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()


@pytest.fixture(scope="session")
def uploads_folder(tmp_path_factory):
    """Where images go in tests (the demo's too), never the project's instance/ folder."""
    return str(tmp_path_factory.mktemp("uploads"))


@pytest.fixture
def app(request, database_url, _schema, uploads_folder):
    """The app, with any settings the test module names in APP_CONFIG."""
    app = create_app(test_config(database_url, **{"UPLOAD_DIR": uploads_folder,
                                                  **getattr(request.module, "APP_CONFIG", {})}))
    app.test_client_class = ForumClient
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _empty_tables():
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def admin(app):
    """An administrator, @boss."""
    from tests.factories import make_user
    return make_user(role="admin", username="boss")


@pytest.fixture
def admin_client(client, admin):
    """The test client, signed in as the administrator."""
    client.sign_in(admin)
    return client


@pytest.fixture
def queries(app, monkeypatch):
    """A list that collects every SQL statement run while the test is active. The site settings are not
    read again on a timer meanwhile (forum/settings.py REFRESH_SECONDS): a count must not depend on how
    long the test took; they are still read when the site changes, as in production."""
    monkeypatch.setattr(settings, "REFRESH_SECONDS", math.inf)
    statements = []

    def record(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("PRAGMA", "BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield statements
    event.remove(db.engine, "before_cursor_execute", record)


class ForumClient(FlaskClient):
    """A test client that sends forms the way a browser would: with the page's CSRF token."""

    def open(self, *args, **kwargs):
        # Requests reuse the test's app context, and with it `g`, where Flask-Login and
        # Flask-WTF cache the member and the CSRF token: give each request a clean `g`,
        # as it would have in a real server, then let the test see fresh rows.
        saved = dict(g.__dict__) if has_app_context() else None
        if saved is not None:
            g.__dict__.clear()
        try:
            return super().open(*args, **kwargs)
        finally:
            if saved is not None:
                g.__dict__.clear()
                g.__dict__.update(saved)
                db.session.expire_all()

    def csrf_token(self) -> str:
        page = self.get("/login")
        return CSRF_IN_PAGE.search(page.text).group(1)

    def submit(self, url, data=None, htmx=False, headers=None, **kwargs):
        """POST a form with a valid CSRF token, as a plain page or as an htmx fragment request."""
        data = {"csrf_token": self.csrf_token(), **(data or {})}
        all_headers = {**(HTMX if htmx else {}), **(headers or {})}
        return self.post(url, data=data, headers=all_headers, **kwargs)

    def fragment(self, url, **kwargs):
        """GET as htmx does when it swaps part of a page."""
        return self.get(url, headers=HTMX, **kwargs)

    def register_through_mail(self, inbox, password=None, **fields):
        """Register as a visitor does: the form, then the link in the mail that arrives, then the password.

        `inbox` is the smtp_server fixture. Returns the last answer: a redirect when the account
        was made and the member signed in, the finishing form again (422) when it was refused.
        """
        from tests.factories import PASSWORD
        from tests.mail_server import finish_link

        data = {"username": "rhonda", "display_name": "Rhonda Bird", "name_style": "full",
                "email": "rhonda@example.com", **fields}
        asked = self.submit("/register", data)
        assert asked.status_code == 302, asked.text
        link = finish_link(inbox.last_to(data["email"]))
        assert self.get(link).status_code == 200
        return self.submit(link, {"username": data["username"], "password": password or PASSWORD})

    def sign_in(self, user_or_name, password=None, remember=False):
        """Sign in through the real form."""
        from tests.factories import PASSWORD

        name = getattr(user_or_name, "username", user_or_name)
        data = {"username": name, "password": password or PASSWORD}
        if remember:
            data["remember"] = "y"
        response = self.submit("/login", data)
        assert response.status_code == 302, response.text
        return response
