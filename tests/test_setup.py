"""Set-up: migrations match the models, the first run creates an admin once, templates use htmx 4."""

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from forum import create_app
from forum.config import PROJECT_ROOT
from forum.extensions import db
from forum.models import Thread, User
from forum.search.service.index import alembic_include_name
from tests.conftest import test_config

HTMX_LINT = PROJECT_ROOT / "node_modules/htmx.org/dist/scripts/upgrade-check.py"


@pytest.fixture
def empty_database(database_url, tmp_path):
    """A database with no tables: a new SQLite file, or a fresh schema on PostgreSQL."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        connection.execute(text("CREATE SCHEMA migration_check"))
    separator = "&" if "?" in database_url else "?"
    yield f"{database_url}{separator}options=-csearch_path%3Dmigration_check"
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA migration_check CASCADE"))
    engine.dispose()


def test_migrations_build_exactly_the_models(empty_database):
    app = create_app(test_config(empty_database))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            # The search index (FTS5 tables, tsvector columns) lives outside the models, as Alembic is told.
            context = MigrationContext.configure(connection, opts={"include_name": alembic_include_name})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []


def test_first_run_creates_an_admin_once_and_keeps_data(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["forum", "first-run"])
    assert first.exit_code == 0, first.output
    assert "Username: admin" in first.output and "Password: " in first.output
    password = first.output.split("Password: ")[1].split()[0]
    admin = db.session.scalar(db.select(User).where(User.role == "admin"))
    assert admin.username == "admin"
    threads = db.session.scalar(db.select(db.func.count(Thread.id)))
    assert threads >= 12

    second = runner.invoke(args=["forum", "first-run"])
    assert second.exit_code == 0 and "Password" not in second.output
    assert db.session.scalar(db.select(db.func.count(Thread.id))) == threads

    client = app.test_client()
    assert client.submit("/login", {"username": "admin", "password": password}).status_code == 302


def test_create_admin_command(app):
    result = app.test_cli_runner().invoke(args=["forum", "create-admin", "chief", "--email", "chief@example.com"])
    assert result.exit_code == 0 and "password:" in result.output
    assert db.session.scalar(db.select(User.role).where(User.username == "chief")) == "admin"
    again = app.test_cli_runner().invoke(args=["forum", "create-admin", "chief", "--email", "c2@example.com"])
    assert again.exit_code != 0 and "taken" in again.output


def test_templates_use_htmx_4_habits():
    assert HTMX_LINT.exists(), "run `make install` first: the lint ships in the pinned htmx package"
    result = subprocess.run([sys.executable, str(HTMX_LINT), "--no-color", str(PROJECT_ROOT / "templates")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_htmx_is_pinned_exactly():
    import json

    package = json.loads(Path(PROJECT_ROOT / "package.json").read_text())
    lock = json.loads(Path(PROJECT_ROOT / "package-lock.json").read_text())
    assert package["dependencies"]["htmx.org"] == "4.0.1"
    assert lock["packages"]["node_modules/htmx.org"]["version"] == "4.0.1"
