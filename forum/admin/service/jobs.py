"""Failed jobs, as admins deal with them: queue one again, or take it off the list. Each is logged
(the moderation log, and the app's log)."""

import logging

from ... import jobs
from ...database import write_transaction
from ...models import User
from ...moderation.service.log import log_action

log = logging.getLogger(__name__)


def retry(actor: User, job_id: str) -> dict | None:
    """Queue this failed job again (its tries afresh); None when it is no longer on the list."""
    record = jobs.retry_failed(job_id)
    if record is not None:
        _logged(actor, "job:retry", record)
    return record


def clear(actor: User, job_id: str) -> dict | None:
    """Take this failed job off the list without running it; None when it is no longer there."""
    record = jobs.failed_job(job_id)
    if record is not None and jobs.forget_failed(job_id):
        _logged(actor, "job:clear", record)
        return record
    return None


def clear_all(actor: User) -> int:
    """Take every failed job off the list."""
    count = jobs.forget_failed()
    if count:
        with write_transaction() as session:  # /modlog is public
            log_action(session, actor, "job:clear", "job", None, public_reason=f"{count} failed jobs cleared")
        log.info("Member %s cleared %d failed job%s", actor.id, count, "" if count == 1 else "s")
    return count


def _logged(actor: User, action: str, record: dict) -> None:
    with write_transaction() as session:  # /modlog is public
        log_action(session, actor, action, "job", None, public_reason=record["name"],
                   details=f"job {record['id']}; it had failed: {record['error']}")
    log.info("Member %s %s failed job %s (job %s)", actor.id, "retried" if action == "job:retry" else "cleared",
             record["name"], record["id"])
