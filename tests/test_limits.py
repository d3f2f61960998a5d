"""Rate limits: each trips at its number, counts only what was done, says when to try again,
and keeps its counters in the database, where every process (and app) shares them."""

import re
import threading
import time
from datetime import timedelta

import pytest
from flask import Flask
from limits import parse
from limits.storage import storage_from_string
from sqlalchemy import func, select, update

from forum import config, create_app
from forum.database import write_transaction
from forum.extensions import db, limiter
from forum.limits import DATABASE_STORAGE_URI, DatabaseStorage, FallbackStorage
from forum.models import Notification, Post, RateCounter, Thread, User
from forum.models.base import utcnow
from tests.conftest import ForumClient, _empty_tables, test_config
from tests.factories import PASSWORD, make_category, make_reply, make_thread, make_user

WAIT = re.compile(r" in (\d+) (second|minute|hour|day)s?\.")


@pytest.fixture
def app(database_url, _schema):
    """The conftest app, but counting in the database, as production does without Redis."""
    app = create_app(test_config(database_url, RATELIMIT_STORAGE_URI=DATABASE_STORAGE_URI))
    app.test_client_class = ForumClient
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def allowed(app, setting) -> int:
    return parse(app.config[setting]).amount


def established_member():
    """A member past the new-member threshold: old enough, with enough posts."""
    member = make_user()
    thread = make_thread(author=member)
    for _ in range(2):
        make_reply(thread, author=member)
    with write_transaction() as session:
        session.execute(update(User).where(User.id == member.id).values(created_at=utcnow() - timedelta(days=30)))
    return member


def set_locked(thread, locked: bool):
    # Writes from tests go through write_transaction too: the counters are written on other
    # connections, and on SQLite a session that read before them cannot then write.
    with write_transaction() as session:
        session.execute(update(Thread).where(Thread.id == thread.id).values(locked=locked))


def reply(client, thread, body="A reply.", htmx=False):
    return client.submit(f"/t/{thread.id}/reply", {"body": body}, htmx=htmx)


def posts_by(member) -> int:
    return db.session.scalar(select(func.count(Post.id)).where(Post.author_id == member.id))


def assert_limited(response, seconds_at_most):
    """429, a Retry-After, and a message that says when (never later than the header)."""
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= seconds_at_most
    match = WAIT.search(response.text)
    assert match, response.text
    assert "HX-Request" in response.headers["Vary"]
    return match


def counters() -> dict[str, int]:
    """The live counters, read afresh (the test's session may hold an older snapshot)."""
    with db.engine.connect() as connection:
        rows = connection.execute(select(RateCounter.key, RateCounter.count).where(RateCounter.expires_at > utcnow()))
        return dict(rows.all())


def expire_all_counters():
    """Move every counter's window into the past, as time would."""
    with write_transaction() as session:
        session.execute(update(RateCounter).values(expires_at=utcnow() - timedelta(seconds=1)))


# Replies


@pytest.mark.parametrize("standing, setting", [("new", "NEW_MEMBER_REPLY_RATE_LIMIT"),
                                               ("established", "REPLY_RATE_LIMIT")])
def test_replies_as_pages_trip_at_the_limit_and_the_page_shows_the_text(app, client, standing, setting):
    member = make_user() if standing == "new" else established_member()
    client.sign_in(member)
    thread = make_thread()
    before = posts_by(member)
    limit = allowed(app, setting)
    for n in range(limit):
        assert reply(client, thread, f"Reply number {n}.").status_code == 302
    refused = reply(client, thread, "My carefully typed answer.")
    match = assert_limited(refused, 60)
    assert match.group(2) == "second"
    assert f"limit of {limit} replies per minute" in refused.text
    assert ("for new members" in refused.text) == (standing == "new")
    # Answered like a validation error: the thread page's composer, with the text and the wait beside it
    composer = refused.text[refused.text.index('<form id="reply-form"'):]
    assert 'aria-invalid="true"' in composer and "My carefully typed answer.</textarea>" in composer
    assert composer.index('id="reply-body-error"') < composer.index("</form>")
    assert WAIT.search(composer[composer.index('id="reply-body-error"'):])
    assert posts_by(member) == before + limit


def test_a_limited_reply_fragment_is_the_composer_with_its_text_and_when(app, client):
    client.sign_in(make_user())
    thread = make_thread()
    for n in range(allowed(app, "NEW_MEMBER_REPLY_RATE_LIMIT")):
        assert reply(client, thread, f"Reply {n}", htmx=True).status_code == 201
    refused = reply(client, thread, "Kept in the composer", htmx=True)
    assert_limited(refused, 60)
    assert "HX-Reswap" not in refused.headers  # swapped like a 422: the composer replaces itself
    assert refused.text.lstrip().startswith('<form id="reply-form"') and "<html" not in refused.text
    assert "Kept in the composer</textarea>" in refused.text and 'aria-invalid="true"' in refused.text
    assert 'id="reply-body-error">You have reached the limit' in refused.text and "You can post again in" in refused.text


def test_only_replies_that_were_posted_count(app, client):
    member = make_user()
    client.sign_in(member)
    thread = make_thread()
    for _ in range(3):
        assert reply(client, thread, "").status_code == 422  # invalid: not posted
    set_locked(thread, True)
    for _ in range(3):
        assert reply(client, thread, "Locked out").status_code == 403  # refused: not posted
    set_locked(thread, False)
    limit = allowed(app, "NEW_MEMBER_REPLY_RATE_LIMIT")
    for n in range(limit):
        assert reply(client, thread, f"Posted {n}").status_code == 302
    assert reply(client, thread, "One too many").status_code == 429


def test_a_repeated_reply_fragment_is_not_counted_twice(app, client):
    client.sign_in(make_user())
    thread = make_thread()
    data = {"body": "Sent twice by a double click", "request_key": "same-key-123"}
    assert client.submit(f"/t/{thread.id}/reply", data, htmx=True).status_code == 201
    assert client.submit(f"/t/{thread.id}/reply", data, htmx=True).status_code == 200
    for n in range(allowed(app, "NEW_MEMBER_REPLY_RATE_LIMIT") - 1):
        assert reply(client, thread, f"Reply {n}", htmx=True).status_code == 201
    assert reply(client, thread, "Now the limit", htmx=True).status_code == 429


def test_staff_have_the_established_limits(app, client):
    client.sign_in(make_user(role="moderator"))
    thread = make_thread()
    for n in range(allowed(app, "NEW_MEMBER_REPLY_RATE_LIMIT") + 1):
        assert reply(client, thread, f"Reply {n}").status_code == 302


def test_guests_are_sent_to_sign_in_and_not_counted(app, client):
    thread = make_thread()
    for _ in range(allowed(app, "NEW_MEMBER_REPLY_RATE_LIMIT") + 1):
        response = reply(client, thread)
        assert response.status_code == 302 and response.location.startswith("/login")
    assert counters() == {}


def test_members_are_limited_each_on_their_own(app, client):
    thread = make_thread()
    first, second = make_user(), make_user()
    client.sign_in(first)
    for n in range(allowed(app, "NEW_MEMBER_REPLY_RATE_LIMIT")):
        reply(client, thread, f"Reply {n}")
    assert reply(client, thread).status_code == 429
    other = app.test_client()
    other.sign_in(second)
    assert reply(other, thread).status_code == 302


def test_an_expired_counter_starts_again(app, client):
    member = make_user()
    client.sign_in(member)
    thread = make_thread()
    for n in range(allowed(app, "NEW_MEMBER_REPLY_RATE_LIMIT")):
        reply(client, thread, f"Reply {n}")
    assert reply(client, thread).status_code == 429
    expire_all_counters()
    assert reply(client, thread, "A minute later").status_code == 302
    assert counters() == {f"LIMITER/member:{member.id}/threads.reply/3/1/minute": 1}


# Threads


@pytest.mark.parametrize("standing, setting", [("new", "NEW_MEMBER_THREAD_RATE_LIMIT"),
                                               ("established", "THREAD_RATE_LIMIT")])
def test_new_threads_trip_at_the_limit(app, client, standing, setting):
    member = make_user() if standing == "new" else established_member()
    client.sign_in(member)
    category = make_category()
    limit = allowed(app, setting)
    form = {"category": category.slug, "title": "A question", "body": "What do you think?"}
    assert client.submit("/new", {**form, "title": ""}).status_code == 422  # not posted: not counted
    for _ in range(limit):
        assert client.submit("/new", form).status_code == 302
    refused = client.submit("/new", {**form, "body": "My long opening post."})
    match = assert_limited(refused, 24 * 3600)
    assert match.group(2) == "hour" and f"limit of {limit} new threads per day" in refused.text
    assert ("for new members" in refused.text) == (standing == "new")
    # The form again, as for a validation error: the category, title and text kept, the wait beside the text
    assert 'id="body-error">You have reached the limit' in refused.text and "<h1>Start a thread</h1>" in refused.text
    assert "My long opening post.</textarea>" in refused.text and 'value="A question"' in refused.text
    assert f'<option selected value="{category.slug}">' in refused.text
    count = db.session.scalar(select(func.count(Thread.id)).where(Thread.author_id == member.id))
    assert count == limit + (1 if standing == "established" else 0)


# Registration and sign-in


def register(client, n, **overrides):
    data = {"username": f"newcomer{n}", "display_name": f"Newcomer {n}", "email": f"new{n}@example.com", **overrides}
    return client.submit("/register", data)


def test_registrations_per_address_trip_at_the_limit_counting_mails_sent(app, client, capsys):
    assert register(client, 0, username="ab").status_code == 422  # no mail sent: not counted
    limit = allowed(app, "REGISTER_RATE_LIMIT")
    for n in range(limit):
        assert register(client, n).status_code == 302
    refused = register(client, 99)
    match = assert_limited(refused, 3600)
    assert match.group(2) == "minute" and "Too many new accounts" in refused.text
    assert capsys.readouterr().out.count("Subject: Finish creating your account") == limit  # printed: no mail server
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert register(elsewhere, 100).status_code == 302


def test_registration_mails_to_one_email_address_are_limited_from_any_network(app):
    limit = allowed(app, "REGISTER_RATE_LIMIT")
    for n in range(limit):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"
        assert register(client, n, email="victim@example.com").status_code == 302
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.1"
    assert_limited(register(client, 99, email="Victim@Example.com "), 3600)


def test_a_limited_registration_fragment_answers_in_flash(app, client):
    for n in range(allowed(app, "REGISTER_RATE_LIMIT")):
        register(client, n)
    refused = client.submit("/register", {"username": "late"}, htmx=True)
    assert_limited(refused, 3600)
    assert refused.headers["HX-Reswap"] == "none" and 'id="flash"' in refused.text


def test_failed_sign_ins_trip_at_the_limit_and_say_when(app, client):
    member = make_user()
    limit = allowed(app, "LOGIN_RATE_LIMIT")
    for _ in range(limit):
        assert client.submit("/login", {"username": member.username, "password": "wrong"}).status_code == 422
    refused = client.submit("/login", {"username": member.username, "password": PASSWORD})
    match = assert_limited(refused, 60)
    assert "Too many attempts to sign in" in refused.text and match.group(2) == "second"


# Mentions


@pytest.mark.parametrize("standing", ["new", "established"])
def test_new_members_may_mention_fewer_members(app, client, standing):
    author = make_user() if standing == "new" else established_member()
    pals = [make_user(username=f"pal{n}y") for n in range(5)]
    client.sign_in(author)
    thread = make_thread()
    reply(client, thread, " ".join(f"@{pal.username}" for pal in pals))
    expected = app.config["NEW_MEMBER_MAX_MENTIONS"] if standing == "new" else len(pals)
    assert db.session.scalar(select(func.count(Notification.id))) == expected
    post = db.session.scalar(select(Post).order_by(Post.id.desc()))
    assert post.body_html.count('class="mention"') == expected


# The storage


def test_the_default_storage_is_the_database_unless_redis_is_configured(tmp_path, monkeypatch):
    for name in ("FORUM_REDIS_URL", "FORUM_RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)

    def storage_for(**settings):
        app = Flask(__name__, instance_path=str(tmp_path))
        config.load(app, {"SECRET_KEY": "x", **settings})
        return app.config["RATELIMIT_STORAGE_URI"]

    assert storage_for() == "database://"
    # Redis, with the database standing in while it is down (tests/test_limits_fallback.py).
    assert storage_for(REDIS_URL="redis://127.0.0.1:6379/0") == "fallback+redis://127.0.0.1:6379/0"
    assert storage_for(RATELIMIT_STORAGE_URI="memory://") == "memory://"
    assert isinstance(storage_from_string("database://"), DatabaseStorage)
    assert isinstance(storage_from_string("fallback+redis://127.0.0.1:6379/0"), FallbackStorage)
    assert isinstance(limiter.storage, DatabaseStorage)


def test_counters_are_shared_by_two_apps_on_the_same_database(app, database_url):
    other = create_app(test_config(database_url, RATELIMIT_STORAGE_URI=DATABASE_STORAGE_URI))
    other.test_client_class = ForumClient
    member = make_user()
    clients = [app.test_client(), other.test_client()]
    try:
        limit = allowed(app, "LOGIN_RATE_LIMIT")
        for n in range(limit):  # alternate between the two apps
            wrong = clients[n % 2].submit("/login", {"username": member.username, "password": "wrong"})
            assert wrong.status_code == 422
        assert clients[limit % 2].submit("/login", {"username": member.username}).status_code == 429
        assert clients[(limit + 1) % 2].submit("/login", {"username": member.username}).status_code == 429
        # Each app its own engine, each storage its own object: the table is what they share.
        first, second = DatabaseStorage(), DatabaseStorage()
        first.incr("shared", 60)
        with other.app_context():
            assert second.incr("shared", 60) == 2 and second.get("shared") == 2
    finally:
        with other.app_context():
            db.engine.dispose()


def test_storage_counts_expires_and_clears(app):
    storage = DatabaseStorage()
    assert storage.get("k") == 0
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.incr("k", 60, amount=2) == 5 and storage.get("k") == 5
    assert 55 < storage.get_expiry("k") - time.time() <= 60
    expire_all_counters()
    assert storage.get("k") == 0
    assert storage.incr("k", 30) == 1  # an expired counter starts a fresh window
    assert 25 < storage.get_expiry("k") - time.time() <= 30
    storage.clear("k")
    assert storage.get("k") == 0 and storage.check()


def test_expired_counters_of_other_keys_are_swept_away(app):
    storage = DatabaseStorage()
    storage.incr("an address seen once", 60)
    expire_all_counters()
    storage._next_sweep = 0  # the next write sweeps
    storage.incr("today's address", 60)
    with db.engine.connect() as connection:
        assert connection.execute(select(RateCounter.key)).scalars().all() == ["today's address"]


def test_counting_leaves_the_request_session_alone(app):
    make_user()
    db.session.scalar(select(User.id))  # the session is in a transaction of its own
    assert db.session().in_transaction()
    DatabaseStorage().incr("k", 60)
    assert db.session().in_transaction()
    db.session.rollback()  # rolling the session back does not undo the count
    assert DatabaseStorage().get("k") == 1


def test_concurrent_increments_are_all_counted(app):
    storage = DatabaseStorage()
    errors = []

    def hammer():
        try:
            with app.app_context():
                for _ in range(25):
                    storage.incr("busy", 60)
        except Exception as error:  # reported below
            errors.append(error)

    workers = [threading.Thread(target=hammer) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not errors
    assert storage.get("busy") == 100


# Slow mode answers like a rate limit: the composer again, with the text and when


def test_slow_mode_keeps_the_reply_as_a_fragment_and_as_a_page(app, client):
    member = make_user()
    client.sign_in(member)
    thread = make_thread()
    with write_transaction() as session:
        session.execute(update(Thread).where(Thread.id == thread.id).values(slow_mode_minutes=10))
    assert reply(client, thread, "The first one.").status_code == 302
    fragment = reply(client, thread, "A second thought, typed with care.", htmx=True)
    assert fragment.status_code == 429 and 0 < int(fragment.headers["Retry-After"]) <= 600
    assert fragment.text.lstrip().startswith('<form id="reply-form"') and "HX-Reswap" not in fragment.headers
    assert "A second thought, typed with care.</textarea>" in fragment.text
    assert 'id="reply-body-error">Slow down: this thread is in slow mode' in fragment.text
    page = reply(client, thread, "A second thought, typed with care.")
    assert page.status_code == 429 and "<html" in page.text and 'id="reply-body-error">Slow down' in page.text
    # the answer is the whole thread page: the box with the message and the text gets the focus
    assert re.findall(r"<[^>]*\sautofocus(?=[\s>=])[^>]*>", page.text) == [
        re.search(r'<textarea[^>]*id="reply-body"[^>]*>', page.text).group(0)]
    assert "A second thought, typed with care.</textarea>" in page.text
    assert posts_by(member) == 1
