"""Prometheus metrics at /metrics (issue 14): for allowed addresses only, counting requests, the page
cache, mail, sign-ups, posts and waiting flags, and adding up every worker process's numbers."""

import secrets
from contextlib import contextmanager
from email.message import EmailMessage

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from forum import create_app, mail
from forum.extensions import db
from forum.models import Post
from forum.moderation.service import flags
from tests.app_servers import Client, Granian, MakeRun
from tests.conftest import test_config
from tests.factories import make_reply, make_thread, make_user
from tests.mail_server import _free_port

OUTSIDE = "203.0.113.9"


def value(text: str, name: str, **labels) -> float:
    """The sample `name` with `labels` in a scrape (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def message(subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "forum@example.com", "someone@example.com", subject
    message.set_content("Hello.")
    return message


def scrape(client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return response.text


# Who may scrape

def test_metrics_are_served_to_loopback_and_refused_to_an_outside_address(client):
    assert "forum_http_request_duration_seconds" in scrape(client)
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    refused = client.get("/metrics", environ_base={"REMOTE_ADDR": OUTSIDE})
    assert refused.status_code == 403 and "forum_" not in refused.text


@contextmanager
def app_of_its_own(database_url, **settings):
    """An app with settings of its own, its connection pool closed after, as the app fixture closes its
    (on PostgreSQL, connections left open warn when collected, failing whichever test is running)."""
    app = create_app(test_config(database_url, **settings))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def test_behind_a_proxy_the_visitors_address_decides_and_cannot_be_forged(database_url, _schema):
    with app_of_its_own(database_url, PROXY_HOPS=1) as app:
        client = app.test_client()
        # Through nginx on the same host: the peer is loopback, the visitor is who nginx says.
        assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200
        assert client.get("/metrics", headers={"X-Forwarded-For": OUTSIDE}).status_code == 403
        # Straight to the app's port from outside, claiming to be local: the peer gives it away.
        forged = client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"},
                            environ_base={"REMOTE_ADDR": OUTSIDE})
        assert forged.status_code == 403


def test_the_operator_chooses_the_allowed_networks(database_url, _schema):
    with app_of_its_own(database_url, METRICS_ALLOW=["10.0.0.0/8"]) as app:
        client = app.test_client()
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
        assert client.get("/metrics").status_code == 403  # loopback is no longer in the list


# What is counted

def test_requests_are_counted_by_endpoint_and_status_with_their_duration(client):
    before = scrape(client)
    client.get("/login")
    client.get("/login")
    client.get("/no/such/page")
    after = scrape(client)
    count = "forum_http_request_duration_seconds_count"
    assert value(after, count, endpoint="auth.login_form", status="200") - value(
        before, count, endpoint="auth.login_form", status="200") == 2
    assert value(after, count, endpoint="none", status="404") - value(before, count, endpoint="none",
                                                                       status="404") == 1
    assert value(after, "forum_http_request_duration_seconds_sum", endpoint="auth.login_form", status="200") > 0


def test_guests_pages_from_memory_and_rendered_are_counted(client):
    thread = make_thread(title="Counted in the cache")
    address = client.get(f"/t/{thread.id}").headers["Location"]  # the thread's own address, with its slug
    before = scrape(client)
    for _ in range(3):
        assert client.get(address).status_code == 200
    after = scrape(client)
    delta = {result: value(after, "forum_page_cache_requests_total", result=result)
             - value(before, "forum_page_cache_requests_total", result=result) for result in ("hit", "miss")}
    assert delta == {"hit": 2, "miss": 1}
    # An answer from memory is still counted under the view that made it.
    hits = "forum_http_request_duration_seconds_count"
    assert value(after, hits, endpoint="threads.show", status="200") - value(
        before, hits, endpoint="threads.show", status="200") == 3


def test_sign_ups_and_posts_are_counted_when_they_commit(client):
    before = scrape(client)
    thread = make_thread()  # a member, and the thread's first post
    make_reply(thread, author=make_user())
    db.session.add(Post(thread_id=thread.id, author_id=thread.author_id, body="Never saved", body_html=""))
    db.session.flush()
    db.session.rollback()
    after = scrape(client)
    assert value(after, "forum_signups_total") - value(before, "forum_signups_total") == 2
    assert value(after, "forum_posts_total") - value(before, "forum_posts_total") == 2


def test_flags_waiting_are_read_from_the_database(client):
    assert value(scrape(client), "forum_flags_waiting") == 0
    thread = make_thread()
    flags.flag_post(db.session.scalar(select(Post).where(Post.thread_id == thread.id)), make_user(), "spam")
    assert value(scrape(client), "forum_flags_waiting") == 1


def test_mail_sent_and_failed_are_counted(app, client, smtp_server):
    before = scrape(client)
    assert mail.send(message("Counted"))
    app.config.update(MAIL_PORT=_free_port())  # nothing listens there
    assert not mail.send(message("Lost"))
    after = scrape(client)
    for result in ("sent", "failed"):
        assert value(after, "forum_mail_total", result=result) - value(before, "forum_mail_total",
                                                                       result=result) == 1


# Several worker processes

@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    """granian with two worker processes sharing one metrics folder (the library's multiprocess mode)."""
    folder = tmp_path_factory.mktemp("metrics")
    url = f"sqlite:///{folder / 'forum.sqlite3'}"
    app = create_app(test_config(url))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    (folder / "prometheus").mkdir()
    env = {"FORUM_DATABASE_URL": url, "FORUM_SECRET_KEY": secrets.token_hex(32),
           "PROMETHEUS_MULTIPROC_DIR": str(folder / "prometheus")}
    server = Granian(folder, env, workers=2, threads=2)
    try:
        server.wait_until_serving()
        yield server
    finally:
        server.stop()


def test_a_scrape_from_either_worker_adds_up_both_workers_requests(two_workers):
    client = Client(two_workers.port)
    count = "forum_http_request_duration_seconds_count"

    def logins_counted() -> tuple[float, str]:
        response = client.get("/metrics")
        assert response.status == 200
        return value(response.text, count, endpoint="auth.login_form", status="200"), response.getheader("X-Worker")

    before, _ = logins_counted()
    answered_by = [client.get("/login").getheader("X-Worker") for _ in range(20)]
    assert len(set(answered_by)) == 2, "both workers must have answered"
    scrapes = [logins_counted() for _ in range(10)]
    assert len({worker for _, worker in scrapes}) == 2, "both workers must have been scraped"
    assert {counted - before for counted, _ in scrapes} == {20}


def test_make_run_serves_metrics_added_up_over_its_workers(tmp_path):
    """`make run`'s own line (granian's RSGI interface, WORKERS processes, its metrics folder)."""
    url = f"sqlite:///{tmp_path / 'forum.sqlite3'}"
    app = create_app(test_config(url))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    server = MakeRun(tmp_path / "served", {"FORUM_DATABASE_URL": url, "FORUM_SECRET_KEY": secrets.token_hex(32),
                                           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "not-yet-made")})
    try:
        server.wait_until_serving()
        assert server.workers == 2
        client, count = Client(server.port), "forum_http_request_duration_seconds_count"
        before = value(client.get("/metrics").text, count, endpoint="auth.login_form", status="200")
        for _ in range(20):
            assert client.get("/login").status == 200
        counted = [value(client.get("/metrics").text, count, endpoint="auth.login_form", status="200")
                   for _ in range(6)]
        assert {number - before for number in counted} == {20}
        assert len(list((tmp_path / "not-yet-made").glob("*.db"))) >= 2  # a file for each worker
    finally:
        server.stop()
