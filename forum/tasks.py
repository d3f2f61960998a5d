"""The jobs the worker runs on a schedule (forum/jobs.py runs them; `flask forum worker` loads this module).

Every minute: the notification mail that is due (what `flask forum send-mail` does from cron, which
is no longer needed). Every hour: the clean-ups: expired rate-limit counters, the usernames of
accounts deleted longer ago than DELETED_USERNAME_HOLD_DAYS, images uploaded a day ago that no post
shows (nor a draft or a post waiting for a moderator), and any post still waiting to be rendered
again (its job lost: forum/posts/service/pending.py). Each is safe to run twice (a worker
killed mid-job runs it again when it starts): a notification is mailed once (its claim is written
before the mail goes), and a clean-up that finds nothing left does nothing.
"""

import logging

from huey import crontab

from . import jobs, limits
from .account.service import release_usernames
from .notifications import mail as notification_mail
from .posts.service import uploads
from .posts.service.pending import rerender_pending

log = logging.getLogger(__name__)


@jobs.task(retries=0, periodic=crontab(minute="*"))
def notification_mail_due() -> None:
    """Mail each member what is due (their choice: each notification, or a daily digest)."""
    report = notification_mail.send_due()
    if report.sent or report.failed:
        log.info("Notification mail: %d sent, %d to try again next minute", report.sent, len(report.failed))


@jobs.task(retries=0, periodic=crontab(minute="7"))
def clean_up() -> None:
    """Delete what has outlived its use."""
    counters = limits.delete_expired_counters()
    freed = release_usernames()
    images = uploads.clear_unused()
    log.info("Clean-up: %d expired rate-limit counter%s deleted, %d username%s freed, %d unused image%s deleted",
             counters, "" if counters == 1 else "s", len(freed), "" if len(freed) == 1 else "s",
             images, "" if images == 1 else "s")
    if rendered := rerender_pending.call_local():  # left pending by a job that was lost
        log.warning("Clean-up: %d post%s waiting to be rendered again rendered now", rendered,
                    "" if rendered == 1 else "s")
