"""A large picture (a PNG, GIF or WebP of more than AVATAR_IN_REQUEST_PIXELS; half a second of CPU at
4096×4096) is re-encoded by a job: the old picture shows until it is done. What its header and chunks
show wrong is still refused in the request, beside the field; what only decoding finds is told on the
profile settings once the job has tried."""

import re

import pytest

from forum import jobs
from tests.factories import make_user
from tests.test_profiles import UPLOADED, fresh, picture, upload

JOB = "account.service.prepare_avatar"


@pytest.fixture(autouse=True)
def uploads(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    return tmp_path / "avatars"


@pytest.fixture
def later(monkeypatch):
    """Jobs wait in the queue (in memory) until the test runs them, as they would for a worker."""
    monkeypatch.setattr(jobs.queue, "_immediate", False)


def run_waiting_jobs() -> list[str]:
    names = []
    while task := jobs.queue.dequeue():
        names.append(task.name)
        jobs.queue.execute(task)
    return names


@pytest.fixture
def member(client):
    user = make_user()
    client.sign_in(user)
    return user


BIG = (1100, 1000)  # over 1024×1024 pixels


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_large_picture_is_prepared_by_a_job_and_the_old_one_shows_until_then(client, member, uploads, later, htmx):
    assert upload(client, picture()).status_code == 302  # small: in the request
    old = fresh(member).avatar
    response = upload(client, picture(BIG, fmt="WEBP"), "big.webp", htmx=htmx)
    assert response.status_code == (200 if htmx else 302)
    panel = response.text if htmx else client.get("/settings/profile").text
    assert "being prepared" in panel and 'id="avatar-waiting"' in panel
    assert UPLOADED.search(panel).group(1).endswith(old)  # the old picture, meanwhile
    assert fresh(member).avatar == old and [job["name"] for job in jobs.waiting()] == [JOB]

    assert run_waiting_jobs() == [JOB]
    new = fresh(member).avatar
    assert new != old and (uploads / new).exists() and not (uploads / old).exists()
    assert not list((uploads / "waiting").iterdir())
    page = client.get("/settings/profile").text
    assert 'id="avatar-waiting"' not in page and UPLOADED.search(page).group(1).endswith(new)
    with client.get(f"/avatars/uploads/{new}") as served:
        assert served.status_code == 200 and served.headers["Content-Type"] == "image/webp"


@pytest.mark.parametrize("size, fmt", [((600, 300), "PNG"), ((2000, 2000), "JPEG")], ids=["small-png", "big-jpeg"])
def test_a_small_picture_or_any_jpeg_is_done_in_the_request(client, member, later, size, fmt):
    response = upload(client, picture(size, fmt=fmt), f"me.{fmt.lower()}", htmx=True)
    assert "Your picture is updated." in response.text and jobs.waiting() == []
    assert fresh(member).avatar is not None


def test_with_jobs_run_at_once_the_member_is_told_the_picture_is_updated(client, member):
    response = upload(client, picture(BIG), htmx=True)
    assert "Your picture is updated." in response.text and fresh(member).avatar is not None


def test_a_cut_short_png_is_still_refused_in_the_request(client, member, uploads, later):
    data = picture(BIG)
    response = upload(client, data[:len(data) // 2], htmx=True)
    assert response.status_code == 422 and "not a picture we can read" in response.text
    assert jobs.waiting() == [] and fresh(member).avatar is None


def test_what_only_decoding_finds_is_told_on_the_profile_once(client, member, uploads, later):
    data = picture(BIG, fmt="GIF")
    response = upload(client, data[:len(data) // 2], "cut.gif", htmx=True)  # its header reads; its pixels do not
    assert response.status_code == 200 and "being prepared" in response.text
    assert run_waiting_jobs() == [JOB] and jobs.failed() == []  # no retry changes a broken file
    assert fresh(member).avatar is None
    page = client.get("/settings/profile").text
    error = re.search(r'<p class="error" id="avatar-picture-error">([^<]*)</p>', page)
    assert error and "not a picture we can read" in error.group(1)
    assert 'id="avatar-picture-error"' not in client.get("/settings/profile").text  # told once


def test_a_newer_upload_or_a_removal_wins_over_a_job_still_waiting(client, member, uploads, later):
    upload(client, picture(BIG, fmt="WEBP"), "first.webp")
    assert upload(client, picture((600, 300), fmt="PNG")).status_code == 302  # done at once
    newest = fresh(member).avatar
    run_waiting_jobs()
    assert fresh(member).avatar == newest

    upload(client, picture(BIG, fmt="WEBP"), "again.webp")
    client.submit("/settings/profile/avatar/remove")
    run_waiting_jobs()
    assert fresh(member).avatar is None
