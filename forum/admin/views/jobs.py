"""The background jobs panel of /admin: a job that failed for good is retried or cleared (admins)."""

import re

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from ... import jobs
from ...htmx import is_fragment_request, render
from ...policy import admin_required
from .. import bp
from ..service import jobs as service

JOB_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # Huey's ids: uuid4
GONE = "That job is no longer on the list of failed jobs (retried or cleared already)."


@bp.post("/jobs/<job_id>/retry")
@admin_required
def retry_job(job_id):
    """Queue a job that failed for good again."""
    record = service.retry(current_user, _checked(job_id)) or abort(404, GONE)
    flash(f"The {record['name']} job is queued again.", "success")
    return _jobs_answer()


@bp.post("/jobs/<job_id>/clear")
@admin_required
def clear_job(job_id):
    """Take a failed job off the list without running it."""
    record = service.clear(current_user, _checked(job_id)) or abort(404, GONE)
    flash(f"The failed {record['name']} job is cleared.", "success")
    return _jobs_answer()


@bp.post("/jobs/failed/clear")
@admin_required
def clear_failed_jobs():
    """Take every failed job off the list."""
    count = service.clear_all(current_user)
    flash(f"{count} failed {'job' if count == 1 else 'jobs'} cleared.", "success")
    return _jobs_answer()


def _checked(job_id: str) -> str:
    if not JOB_ID.fullmatch(job_id):
        abort(404, GONE)
    return job_id


def _jobs_answer():
    if is_fragment_request():
        return render("admin/index.html", "jobs_panel", jobs=jobs.summary())
    return redirect(url_for("admin.index", _anchor="jobs"), 303)
