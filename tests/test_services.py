"""Business rules, tested through the service functions directly."""

import threading

import pytest
from sqlalchemy import event

from forum.auth.service.names import canonical_username, username_problem
from forum.database import write_transaction
from forum.extensions import db
from forum.models import Post, PostRevision, Thread
from forum.policy import may_change
from forum.posts import service as posts
from forum.posts.service.render import render_body
from tests.factories import make_reply, make_thread, make_user

pytestmark = pytest.mark.usefixtures("app")


def test_only_the_author_may_change_a_post():
    author, other = make_user(), make_user()
    post = make_reply(make_thread(), author=author)
    assert may_change(author, post)
    assert not may_change(other, post)
    with pytest.raises(PermissionError):
        posts.edit_post(post, other, "hijacked", post.version)
    with pytest.raises(PermissionError):
        posts.delete_post(post, other)
    assert db.session.get(Post, post.id).body == "A reply."


def test_delete_leaves_a_typed_placeholder_that_cannot_be_edited():
    author = make_user()
    post = make_reply(make_thread(), author=author, body="gone soon")
    deleted = posts.delete_post(post, author)
    assert deleted.removal == "author" and deleted.removed_at is not None and deleted.is_removed
    assert not may_change(author, deleted)
    with pytest.raises(PermissionError):
        posts.edit_post(deleted, author, "back again", deleted.version)


def test_edit_bumps_the_version_and_detects_stale_forms(app):
    app.config["EDIT_GRACE_SECONDS"] = 0
    author = make_user()
    post = make_reply(make_thread(), author=author, body="v1")
    edited = posts.edit_post(post, author, "v2", 1)
    assert edited.version == 2 and edited.edited_at is not None and edited.body_html == "<p>v2</p>\n"
    with pytest.raises(posts.EditConflict) as conflict:
        posts.edit_post(post, author, "v2 from an old tab", 1)
    assert conflict.value.current.body == "v2"


def test_edits_within_the_grace_period_keep_no_revision(app):
    app.config["EDIT_GRACE_SECONDS"] = 300
    author = make_user()
    post = make_reply(make_thread(), author=author, body="typo")
    edited = posts.edit_post(post, author, "typo fixed", 1)
    assert edited.edited_at is None and edited.version == 2
    assert db.session.scalar(db.select(db.func.count(PostRevision.id))) == 0


def test_edits_after_the_grace_period_keep_the_old_text(app):
    app.config["EDIT_GRACE_SECONDS"] = 0
    author = make_user()
    post = make_reply(make_thread(), author=author, body="first")
    posts.edit_post(post, author, "second", 1)
    posts.edit_post(post, author, "third", 2)
    bodies = db.session.scalars(db.select(PostRevision.body).order_by(PostRevision.id)).all()
    assert bodies == ["first", "second"]
    assert db.session.get(Post, post.id).edited_at is not None


def test_an_unchanged_edit_is_not_an_edit():
    author = make_user()
    post = make_reply(make_thread(), author=author, body="same")
    assert posts.edit_post(post, author, "same", 1).edited_at is None


def test_replies_count_and_bump_the_thread():
    thread = make_thread()
    before = db.session.get(Thread, thread.id).last_post_at
    make_reply(thread)
    make_reply(thread)
    after = db.session.get(Thread, thread.id)
    assert after.post_count == 3 and after.last_post_at >= before


@pytest.mark.parametrize("raw, canonical", [("Lou", "lou"), ("ＬＯＵ", "lou"), ("Straße", "strasse"), (" lou ", "lou")])
def test_usernames_are_canonical(raw, canonical):
    assert canonical_username(raw) == canonical


def test_reserved_names_are_refused_in_every_disguise():
    for name in ("admin", "Admin", "ａｄｍｉｎ", "admin_", "admin99", "root", "moderator"):
        assert "reserved" in (username_problem(canonical_username(name)) or ""), name


def test_render_body_escapes_and_keeps_paragraphs_and_line_breaks():
    assert render_body("a & b\r\nc\n\n\n<d>").html == "<p>a &amp; b<br>\nc</p>\n<p>&lt;d&gt;</p>\n"


def test_edits_take_the_write_lock_before_reading():
    """SQLite: the transaction begins IMMEDIATE. PostgreSQL: the post row is read FOR UPDATE."""
    author = make_user()
    post = make_reply(make_thread(), author=author)
    version = post.version
    statements = []
    listener = lambda conn, cursor, statement, *a: statements.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        posts.edit_post(post, author, "locked edit", version)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    post_read = next(i for i, s in enumerate(statements) if s.startswith("SELECT posts."))
    if db.engine.dialect.name == "sqlite":
        begins = [s for s in statements[:post_read] if s.startswith("BEGIN")]
        assert begins[-1] == "BEGIN IMMEDIATE"  # the transaction that reads the post began IMMEDIATE
    else:
        assert any(s.startswith("SELECT") and s.rstrip().endswith("FOR UPDATE") for s in statements)


def test_concurrent_replies_are_all_kept(app):
    """Several writers at once: no 'database is locked', no lost post."""
    thread = make_thread()
    members = [make_user() for _ in range(4)]
    thread_id, member_ids = thread.id, [m.id for m in members]
    errors = []

    def writer(member_id):
        with app.app_context():
            try:
                for n in range(15):
                    author = db.session.get(type(members[0]), member_id)
                    posts.add_reply(db.session.get(Thread, thread_id), author, f"reply {n}")
            except Exception as error:  # collected and asserted below
                errors.append(error)
                raise
            finally:
                db.session.remove()

    workers = [threading.Thread(target=writer, args=(member_id,)) for member_id in member_ids]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert errors == []
    db.session.rollback()  # end the test's own read snapshot
    assert db.session.scalar(db.select(db.func.count(Post.id)).where(Post.thread_id == thread_id)) == 61
    assert db.session.get(Thread, thread_id).post_count == 61


def test_write_transaction_rolls_back_on_error():
    thread = make_thread(title="Untouched")
    with pytest.raises(RuntimeError):
        with write_transaction() as session:
            session.get(Thread, thread.id).title = "Changed"
            raise RuntimeError("boom")
    assert db.session.get(Thread, thread.id).title == "Untouched"


def test_slugs_keep_dashes_between_words_and_numbers():
    from forum.slugs import slugify

    assert slugify("Council votes 5–4 to close — the branch") == "council-votes-5-4-to-close-the-branch"
    assert slugify("Café & Crème") == "cafe-creme"
    assert slugify("!!!") == "thread"
