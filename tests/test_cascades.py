"""A change that alters what other posts' quotes show (a removal, a restore, a new name) re-renders those
posts in the same transaction, in batches: both commit together or neither does, and the work does not
grow into a statement and a transaction per removed post."""

import math

import pytest
from sqlalchemy import event

import forum.posts.service.context as context
from forum.auth.service import accounts
from forum.database import write_transaction
from forum.extensions import db
from forum import settings
from forum.account import service as account
from forum.models import ModAction, Post, Sanction, User
from forum.moderation.service import flags, sanctions
from forum.moderation.service.sanctions import SanctionRequest
from forum.posts import service as posts
from forum.posts.service.quoting import quote_markdown
from tests.factories import PASSWORD, make_reply, make_thread, make_user

BAN = SanctionRequest(kind="ban", reason="Spam.", remove_posts=True)


@pytest.fixture
def admin():
    return make_user(role="admin")


@pytest.fixture
def author():
    return make_user(display_name="Quoted Author")


def quoted_thread(author, removed: int, quoting: int):
    """`removed` posts by `author`, and `quoting` posts by others that each quote all of them."""
    thread = make_thread()
    mine = [make_reply(thread, author=author, body=f"words of mine {n}") for n in range(removed)]
    quote = "".join(quote_markdown(post) for post in mine)
    others = [make_reply(thread, body=quote + f"answer {n}") for n in range(quoting)]
    return mine, others


def html_of(posts_):
    db.session.expire_all()
    return [db.session.get(Post, post.id).body_html for post in posts_]


def renderer_down(monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("the renderer failed")

    monkeypatch.setattr(context, "render_body", fail)


def test_a_ban_whose_quotes_cannot_be_rerendered_removes_nothing(app, admin, author, monkeypatch):
    """A crash between the removal and the re-render must not leave removed words inside quotes."""
    mine, others = quoted_thread(author, removed=2, quoting=2)
    before, token = html_of(others), author.session_token
    renderer_down(monkeypatch)
    with pytest.raises(RuntimeError):
        sanctions.issue(admin, author, BAN)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Sanction.id))) == 0
    assert [db.session.get(Post, post.id).removal for post in mine] == [None, None]
    assert html_of(others) == before and "words of mine 0" in before[0]
    assert db.session.get(User, author.id).session_token == token


def _delete_post(admin, author, mine):
    posts.delete_post(mine[0], author)


def _hide_post(admin, author, mine):
    flags.hide_post(admin, mine[0], "Off topic.")


def _rename(admin, author, mine):
    accounts.update_profile(author, "Renamed Author", "full")


def _delete_account(admin, author, mine):
    account.delete_account(author, PASSWORD, keep_posts=False)


def snapshot():
    """Everything these changes touch: posts' removal and text, members' names, the moderation log."""
    return (db.session.execute(db.select(Post.removal, Post.body).order_by(Post.id)).all(),
            db.session.execute(db.select(User.display_name, User.deleted_at).order_by(User.id)).all(),
            db.session.scalar(db.select(db.func.count(ModAction.id))))


@pytest.mark.parametrize("change", [_delete_post, _hide_post, _rename, _delete_account])
def test_every_cascade_rolls_back_with_its_change(app, admin, author, monkeypatch, change):
    mine, others = quoted_thread(author, removed=1, quoting=2)
    before, state = html_of(others), snapshot()
    renderer_down(monkeypatch)
    with pytest.raises(RuntimeError):
        change(admin, author, mine)
    db.session.rollback()
    assert html_of(others) == before and snapshot() == state


def test_lifting_a_ban_restores_posts_and_quotes_together(app, admin, author, monkeypatch):
    mine, others = quoted_thread(author, removed=2, quoting=1)
    sanctions.issue(admin, author, BAN)
    banned = html_of(others)
    assert "words of mine" not in banned[0] and "the member was banned" in banned[0]
    renderer_down(monkeypatch)
    with pytest.raises(RuntimeError):
        sanctions.lift(admin, db.session.scalars(db.select(Sanction)).one(), "Mistaken.")
    db.session.rollback()
    assert db.session.scalars(db.select(Sanction)).one().lifted_at is None
    assert [db.session.get(Post, post.id).removal for post in mine] == ["banned", "banned"]
    assert html_of(others) == banned


def work_of_a_ban(admin, removed: int, quoting: int):
    """Statements and commits while banning a member with `removed` posts quoted by `quoting` posts."""
    author = make_user()
    mine, others = quoted_thread(author, removed, quoting)
    statements, commits = [], []
    record = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
    committed = lambda conn: commits.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", record)
    event.listen(db.engine, "commit", committed)
    try:
        sanctions.issue(admin, author, BAN)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        event.remove(db.engine, "commit", committed)
    assert all("the member was banned" in html and "words of mine" not in html for html in html_of(others))
    return len(statements), len(commits)


def test_a_ban_removing_many_quoted_posts_is_one_transaction_of_a_few_statements(app, admin, monkeypatch):
    # the site settings' once-a-second re-read would add a statement to whichever ban it fell in
    monkeypatch.setattr(settings, "REFRESH_SECONDS", math.inf)
    small = work_of_a_ban(admin, removed=1, quoting=1)
    large = work_of_a_ban(admin, removed=6, quoting=12)
    assert large[1] == 1  # one commit: the ban, the removals and the re-rendered quotes
    assert large == small


def test_rerendering_goes_in_batches_and_misses_none(app, admin, monkeypatch):
    monkeypatch.setattr(settings, "REFRESH_SECONDS", math.inf)  # as above: no timed read inside a count
    monkeypatch.setattr(posts, "RERENDER_BATCH", 4)
    statements, commits = work_of_a_ban(admin, removed=5, quoting=10)  # ids in 2 batches, posts in 3
    monkeypatch.setattr(posts, "RERENDER_BATCH", 200)
    assert commits == 1
    assert statements > work_of_a_ban(admin, removed=5, quoting=10)[0]  # more batches, more round trips


def test_the_cascade_reads_what_its_transaction_wrote_over_objects_loaded_before(app, author):
    """A caller may have loaded the posts before a bulk update that does not refresh them
    (synchronize_session=False, as deleting an account does): the quotes still show the update."""
    mine, others = quoted_thread(author, removed=1, quoting=1)
    with write_transaction() as session:
        assert session.get(Post, mine[0].id).body_html  # loaded in this transaction, then changed behind its back
        session.execute(db.update(Post).where(Post.id == mine[0].id).values(removal="author"),
                        execution_options={"synchronize_session": False})
        assert posts.rerender_quoting(session, [mine[0].id]) == 1
    [html] = html_of(others)
    assert "words of mine" not in html and "deleted by its author" in html.lower()
