"""Failed jobs on /admin: an admin retries one (it runs again, its tries afresh) or clears it from the
list; each is a POST with the CSRF token, for admins only, written to the moderation log, and works as a
plain form (303 back to the panel) and as an htmx fragment (the panel alone, with its flash message)."""

import re
from email.message import EmailMessage

import pytest

from forum import jobs, mail
from forum.extensions import db
from forum.models import ModAction
from tests.factories import make_user
from tests.mail_server import _free_port

HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}


def failed_mail(app, subject: str) -> str:
    """A mail job that failed for good (nobody listens on the port): its id."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port(), BASE_URL="http://forum.test", MAIL_TIMEOUT=1)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "forum@forum.test", "ann@example.com", subject
    message.set_content("A mail nobody took.")
    with app.test_request_context("/"):
        assert mail.send(message, background=True)
    while scheduled := jobs.queue.scheduled():  # each retry's time comes at once
        [task] = scheduled
        jobs.queue.storage.flush_schedule()
        task.eta = None
        jobs.queue.execute(task)
    [record] = [job for job in jobs.failed() if subject in job["error"]]
    return record["id"]


@pytest.fixture
def admin(client):
    boss = make_user(role="admin", username="boss", display_name="Bea Boss", email="boss@example.com")
    client.sign_in(boss)
    return boss


def logged_actions() -> list[tuple[str, str]]:
    return [(entry.action, entry.public_reason) for entry in db.session.scalars(db.select(ModAction))]


def test_the_panel_offers_retry_and_clear_for_each_failed_job(app, client, admin):
    job_id = failed_mail(app, "Nobody listens")
    page = client.get("/admin").text
    item = page[page.index(f'id="job-{job_id}"'):]
    item = item[:item.index("</li>")]
    for action in ("retry", "clear"):
        assert re.search(rf'<form class="inline" action="/admin/jobs/{job_id}/{action}" method="post"\s+'
                         rf'data-hx-post="/admin/jobs/{job_id}/{action}" data-hx-target="#jobs">', item)
    assert 'name="csrf_token"' in item and ">Retry<" in item and ">Clear<" in item


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_retrying_a_failed_job_runs_it_again_with_its_tries_afresh(app, client, admin, smtp_server, htmx):
    listening = app.config["MAIL_PORT"]
    job_id = failed_mail(app, "Second chance")
    app.config.update(MAIL_PORT=listening)  # the server is back
    response = client.submit(f"/admin/jobs/{job_id}/retry", htmx=htmx)
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Second chance"
    assert jobs.failed() == [] and jobs.failed_job(job_id) is None
    assert ("job:retry", "mail.deliver") in logged_actions()
    if htmx:
        assert response.status_code == 200 and "<html" not in response.text
        assert response.text.lstrip().startswith('<section class="admin-panel" aria-labelledby="jobs-heading" id="jobs">')
        assert "0 failed for good" in response.text and 'id="job-' not in response.text
        assert "The mail.deliver job is queued again." in response.text  # the flash, out of band
        assert "HX-Request" in response.headers["Vary"]
    else:
        assert response.status_code == 303 and response.headers["Location"].endswith("/admin#jobs")
        assert "The mail.deliver job is queued again." in client.get("/admin").text


def test_a_retried_job_that_fails_again_gets_all_its_tries_and_back_off_again(app, client, admin):
    job_id = failed_mail(app, "Still nobody")
    assert client.submit(f"/admin/jobs/{job_id}/retry").status_code == 303
    [waiting] = jobs.waiting()  # failed at once, and waits for its first retry, as a new job would
    assert waiting["id"] == job_id and waiting["retry"] == jobs.RETRIES - 1
    assert 25 < (waiting["due"] - jobs._utcnow()).total_seconds() <= jobs.RETRY_DELAY


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_clearing_a_failed_job_takes_it_off_the_list_without_running_it(app, client, admin, htmx):
    job_id = failed_mail(app, "Let it go")
    response = client.submit(f"/admin/jobs/{job_id}/clear", htmx=htmx)
    assert jobs.failed() == [] and jobs.waiting() == []
    assert ("job:clear", "mail.deliver") in logged_actions()
    if htmx:
        assert response.status_code == 200 and "<html" not in response.text
        assert 'id="jobs"' in response.text and "The failed mail.deliver job is cleared." in response.text
    else:
        assert response.status_code == 303 and response.headers["Location"].endswith("/admin#jobs")


def test_clearing_every_failed_job_at_once(app, client, admin):
    failed_mail(app, "One")
    failed_mail(app, "Two")
    assert len(jobs.failed()) == 2
    assert "Clear every failed job" in client.get("/admin").text
    response = client.submit("/admin/jobs/failed/clear", htmx=True)
    assert response.status_code == 200 and "2 failed jobs cleared." in response.text
    assert jobs.failed() == []


@pytest.mark.parametrize("action", ["retry", "clear"])
def test_a_job_already_retried_or_cleared_answers_404_with_a_reason(app, client, admin, action):
    job_id = failed_mail(app, "Twice")
    assert client.submit(f"/admin/jobs/{job_id}/clear").status_code == 303
    response = client.submit(f"/admin/jobs/{job_id}/{action}", htmx=True)
    assert response.status_code == 404 and "no longer on the list of failed jobs" in response.text
    assert client.submit(f"/admin/jobs/not-a-job/{action}").status_code == 404


@pytest.mark.parametrize("action", ["retry", "clear"])
def test_only_admins_may_retry_or_clear_and_only_with_the_csrf_token(app, client, action):
    job_id = failed_mail(app, "Hands off")
    url = f"/admin/jobs/{job_id}/{action}"
    assert client.submit(url, htmx=True).status_code == 401  # a guest: sign in first
    client.sign_in(make_user(role="moderator", username="mona_m", display_name="Mo Derator"))
    assert client.submit(url).status_code == 403
    client.get("/logout")
    client.sign_in(make_user(role="admin", username="boss", display_name="Bea Boss"))
    assert client.post(url).status_code == 400  # no CSRF token
    assert jobs.failed_job(job_id) is not None and logged_actions() == []
