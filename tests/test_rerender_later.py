"""Many posts quoting one that changes (a removal, a restore): up to RERENDER_IN_REQUEST are rendered
again inside the change's transaction; beyond that the transaction hides them (a placeholder, no
search text) and a job renders them once it has committed. At no moment does a reader, a guest's
cached page included, see the removed post's words in a quote."""

import pytest
from sqlalchemy import select

from forum import jobs, tasks
from forum.database import after_commit, write_transaction
from forum.extensions import db
from forum.models import Post, SiteState
from forum.page_cache import HEADER
from forum.posts import service as posts
from forum.posts.service import pending
from forum.posts.service.quoting import quote_markdown
from forum.posts.service.render import RENDER_VERSION
from tests.factories import make_reply, make_thread, make_user

WORDS = "Meet me at the old mill at noon"
JOB = "posts.service.pending.rerender_pending"


@pytest.fixture
def later(app, monkeypatch):
    """Jobs wait in the queue (in memory) until the test runs them, as they would for a worker."""
    monkeypatch.setattr(jobs.queue, "_immediate", False)
    app.config["RERENDER_IN_REQUEST"] = 2


def run_waiting_jobs() -> list[str]:
    names = []
    while task := jobs.queue.dequeue():
        names.append(task.name)
        jobs.queue.execute(task)
    return names


def quoted_by(count: int):
    author = make_user(username="quinn", display_name="Quinn Quoted")
    thread = make_thread(title="The mill")
    quoted = make_reply(thread, author=author, body=WORDS)
    quote = quote_markdown(db.session.get(Post, quoted.id))
    quoting = [make_reply(thread, body=quote + f"Answer number {n}.") for n in range(count)]
    return thread, author, quoted, quoting


def page_of(client, thread):
    return client.get(f"/t/{thread.id}-{thread.slug}")


def pages_version() -> str:
    db.session.expire_all()
    return db.session.get(SiteState, 1).pages_version


def stored(posts_):
    db.session.expire_all()
    return [db.session.get(Post, post.id) for post in posts_]


def test_above_the_threshold_the_quotes_are_hidden_at_once_and_rendered_by_the_job(app, client, later):
    thread, author, quoted, quoting = quoted_by(3)
    assert page_of(client, thread).headers[HEADER] == "miss"
    assert WORDS in page_of(client, thread).text  # kept for guests, quotes and all

    posts.delete_post(quoted, author)
    waiting = [job["name"] for job in jobs.waiting()]
    assert waiting == [JOB]  # queued once, however many posts
    page = page_of(client, thread)
    assert page.headers[HEADER] == "miss"  # the removal made the guests' copy stale
    assert WORDS not in page.text and page.text.count("being brought up to date") == 3
    assert all(post.render_version == pending.PENDING and post.search_text == "" for post in stored(quoting))

    before_job = pages_version()
    assert run_waiting_jobs() == [JOB]
    assert pages_version() != before_job  # what guests were kept is stale again
    page = page_of(client, thread)
    assert page.headers[HEADER] == "miss" and "being brought up to date" not in page.text
    assert WORDS not in page.text and page.text.count("deleted by its author") >= 3
    for post in stored(quoting):
        assert post.render_version == RENDER_VERSION and "Answer number" in post.search_text
        assert WORDS not in post.body_html


def test_at_the_threshold_they_are_rendered_in_the_request_and_no_job_is_queued(app, client, later):
    thread, author, quoted, quoting = quoted_by(2)
    posts.delete_post(quoted, author)
    assert jobs.waiting() == []
    page = page_of(client, thread).text
    assert WORDS not in page and "being brought up to date" not in page
    assert all(post.render_version == RENDER_VERSION for post in stored(quoting))


def test_with_jobs_run_at_once_the_request_leaves_nothing_pending(app, client):
    app.config["RERENDER_IN_REQUEST"] = 2  # JOBS_IMMEDIATE, as the tests run: the job runs after the commit
    thread, author, quoted, quoting = quoted_by(3)
    posts.delete_post(quoted, author)
    assert all(post.render_version == RENDER_VERSION and WORDS not in post.body_html for post in stored(quoting))


def test_a_post_edited_while_pending_keeps_its_edit(app, client, later):
    thread, author, quoted, quoting = quoted_by(3)
    posts.delete_post(quoted, author)
    [post] = stored(quoting[:1])
    edited = posts.edit_post(post, post.author, "Rewritten, no quote now.", post.version)
    assert edited.render_version == RENDER_VERSION
    run_waiting_jobs()
    [first, *others] = stored(quoting)
    assert "Rewritten, no quote now." in first.body_html
    assert all("Answer number" in post.body_html for post in others)


def test_a_lost_job_leaves_posts_pending_and_the_hourly_clean_up_renders_them(app, client, later):
    thread, author, quoted, quoting = quoted_by(3)
    posts.delete_post(quoted, author)
    jobs.queue.flush()  # the job is lost (a Redis without persistence, restarted)
    assert all(post.render_version == pending.PENDING for post in stored(quoting))
    tasks.clean_up.call_local()
    assert all(post.render_version == RENDER_VERSION for post in stored(quoting))


def test_the_job_renders_in_batches_and_misses_none(app, client, later, monkeypatch):
    monkeypatch.setattr(pending, "BATCH", 2)
    thread, author, quoted, quoting = quoted_by(5)
    posts.delete_post(quoted, author)
    versions = set()
    real = pending._render_a_batch

    def counted():
        done = real()
        versions.add(pages_version())
        return done

    monkeypatch.setattr(pending, "_render_a_batch", counted)
    assert run_waiting_jobs() == [JOB]
    assert len(versions) == 4  # batches of 2, 2 and 1, then one that found none: each committed
    assert db.session.scalar(select(db.func.count(Post.id)).where(Post.render_version == pending.PENDING)) == 0


def test_after_commit_runs_only_once_the_transaction_has_committed(app):
    called = []
    with write_transaction() as session:
        after_commit(session, lambda: called.append(pages_version()))
        assert called == []
    assert len(called) == 1
    with pytest.raises(RuntimeError), write_transaction() as session:
        after_commit(session, lambda: called.append("rolled back"))
        raise RuntimeError("no")
    with write_transaction():
        pass
    assert len(called) == 1  # neither then nor at the next commit
