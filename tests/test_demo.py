"""The demo content: what seed_demo creates, how it is dated, and that its long thread renders."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.auth.service import NewAccount, register
from forum.demo import seed_demo
from forum.extensions import db
from forum.models import Category, Post, Thread, User
from forum.models.base import utcnow

pytestmark = pytest.mark.usefixtures("app")


def _posts_of(thread):
    return list(db.session.scalars(select(Post).where(Post.thread_id == thread.id).order_by(Post.id)))


def _long_thread():
    return db.session.scalar(select(Thread).order_by(Thread.post_count.desc()).limit(1))


def test_seed_demo_fills_an_empty_forum():
    summary = seed_demo()

    assert summary == "4 categories, 14 members, 13 threads, 123 posts"
    assert db.session.scalar(select(func.count(Category.id))) == 4
    assert db.session.scalar(select(func.count(Thread.id))) >= 12
    assert db.session.scalar(select(func.count(User.id))) == 14
    long_thread = _long_thread()
    assert long_thread.post_count >= 36
    assert long_thread.category.name == "News & Articles"
    bodies = [post.body for post in _posts_of(long_thread)]
    assert any(line.startswith(">>") for body in bodies for line in body.splitlines())
    assert any(body.startswith("> ") for body in bodies[1:])
    assert any(name in body for body in bodies for name in ("Lou D,", "Susan T,", "Jose L,"))


def test_article_links_to_two_earlier_threads():
    seed_demo()
    article = _posts_of(_long_thread())[0].body

    linked = {int(part.split()[0]) for part in article.split("/t/")[1:]}
    assert len(linked) == 2
    assert all(db.session.get(Thread, thread_id) is not None for thread_id in linked)
    assert "Photo" in article


def test_demo_threads_are_consistent_and_backdated():
    seed_demo()
    now = utcnow()
    threads = list(db.session.scalars(select(Thread)))

    for thread in threads:
        times = [post.created_at for post in _posts_of(thread)]
        assert thread.post_count == len(times)
        assert all(earlier < later for earlier, later in zip(times, times[1:])), thread.title
        assert thread.created_at == times[0]
        assert thread.last_post_at == times[-1] <= now
    oldest = min(thread.created_at for thread in threads)
    assert timedelta(days=2 * 365) < now - oldest < timedelta(days=3 * 365)
    assert now - _long_thread().last_post_at < timedelta(days=2)


def test_members_joined_before_their_first_post():
    seed_demo()

    for user in db.session.scalars(select(User)):
        first = db.session.scalar(select(func.min(Post.created_at)).where(Post.author_id == user.id))
        assert user.created_at < first, user.username
    assert "Rhonda B." in {user.display_name for user in db.session.scalars(select(User))}


def test_seed_demo_twice_reuses_categories_and_members():
    lou = register(NewAccount("lou_d", "Lou", "lou@elsewhere.example", "a long enough password"))
    seed_demo()
    seed_demo()

    assert db.session.scalar(select(func.count(Category.id))) == 4
    assert db.session.scalar(select(func.count(Thread.id))) == 26
    assert db.session.scalar(select(func.count(User.id))) == 14
    assert db.session.scalar(select(func.count(Post.id)).where(Post.author_id == lou.id)) > 20


def test_long_thread_pages_render(client):
    seed_demo()
    thread = _long_thread()
    url = f"/t/{thread.id}-{thread.slug}"

    first = client.get(url)
    assert first.status_code == 200
    assert "&gt; Lou D. wrote:" in first.text
    assert "&gt;&gt; Tom Okafor wrote:" in first.text
    assert "days ago" in first.text
    second = client.get(url + "?page=2")
    assert second.status_code == 200
    assert second.text.count('<article class="post') == 20


def test_seed_demo_command(app):
    result = app.test_cli_runner().invoke(args=["forum", "seed-demo"])

    assert result.exit_code == 0, result.output
    assert "Demo content loaded: 4 categories, 14 members, 13 threads, 123 posts." in result.output
    assert db.session.scalar(select(func.count(Thread.id))) == 13
