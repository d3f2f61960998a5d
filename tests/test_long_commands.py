"""Long commands say what they are doing (a progress bar on stderr, click's) and end with a summary on
stdout: what was done, how much, and how long it took."""

import re
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from forum import backup, create_app
from forum.database import write_transaction
from forum.extensions import db
from forum.models import Post
from forum.posts.service.render import RENDER_VERSION
from tests.conftest import test_config
from tests.factories import make_reply, make_thread, make_user

TOOK = r"Took \d+\.\d s\.$"


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=["forum", *args])


def test_backup_and_restore_show_their_stages_and_sum_up_what_the_backup_holds(app, database_url, tmp_path):
    if make_url(database_url).get_backend_name() != "sqlite":
        pytest.skip("the PostgreSQL round trip is tests/test_backup.py's; the summary is the same code")
    make_user(username="first"), make_user(username="second")
    thread = make_thread(title="Counted")
    make_reply(thread), make_reply(thread)
    posts = db.session.query(Post).count()
    result = invoke(app, "backup", str(tmp_path / "forum.backup"))
    assert result.exit_code == 0, result.output
    [summary] = result.stdout.splitlines()  # the summary alone on stdout: a cron mail or a log shows it
    assert re.fullmatch(rf"Backed up the SQLite database to {tmp_path / 'forum.backup'} \((\d+ KB|\d+\.\d MB)\): "
                        rf"\d+ members?, 1 thread, {posts} posts\. {TOOK}", summary), summary
    members = int(re.search(r": (\d+) member", summary).group(1))
    assert members >= 2
    assert "Backup:" in result.stderr  # click's bar: its label once when not on a terminal

    fresh = create_app(test_config(f"sqlite:///{tmp_path / 'restored' / 'forum.sqlite3'}"))
    with fresh.app_context():
        restored = invoke(fresh, "restore", str(tmp_path / "forum.backup"))
    assert restored.exit_code == 0, restored.output
    assert re.fullmatch(rf"Restored {tmp_path / 'forum.backup'} into the SQLite database: {members} members, "
                        rf"1 thread, {posts} posts\. {TOOK}", restored.stdout.strip()), restored.stdout
    assert "Restore:" in restored.stderr
    assert Path(tmp_path / "restored" / "forum.sqlite3").is_file()


def test_backup_names_each_stage_as_it_reaches_it(app, database_url, tmp_path):
    if make_url(database_url).get_backend_name() != "sqlite":
        pytest.skip("SQLite's stages")
    seen = []
    backup.backup(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "staged.backup", step=seen.append)
    assert seen == list(backup.STEPS["backup"])


def test_rerender_counts_what_it_rendered_and_what_was_already_up_to_date(app):
    thread = make_thread()
    stale, fresh = make_reply(thread, body="**old**"), make_reply(thread, body="new")
    with write_transaction() as session:
        session.get(Post, stale.id).render_version = RENDER_VERSION - 1
    total = db.session.query(Post).count()
    result = invoke(app, "rerender")
    assert result.exit_code == 0, result.output
    assert re.fullmatch(rf"Rendered 1 post again\. {total - 1} others were up to date\. {TOOK}",
                        result.stdout.strip()), result.stdout
    assert "Rendering posts:" in result.stderr
    assert db.session.get(Post, fresh.id).render_version == RENDER_VERSION

    everything = invoke(app, "rerender", "--all")
    assert re.fullmatch(rf"Rendered {total} posts again\. {TOOK}", everything.stdout.strip()), everything.stdout
