"""The job queue (Huey): work that should not happen inside a request or a cron line.

Where jobs wait: with REDIS_URL, in Redis (RedisStorage); else in a SQLite file of their own,
JOBS_FILE (instance/jobs.sqlite3 by default), whatever database the forum itself uses. Jobs run in
`flask forum worker` (README "Background jobs"), which `make run` starts beside the web server and
which production runs as a service of its own. JOBS_IMMEDIATE runs each job at once, in the process
that queued it, with no worker: the tests' mode.

A job is a function given `@jobs.task(...)`: calling it queues it. A job that raises is tried again
with back-off (`retries` more times: `retry_delay` seconds, then twice that, and so on); one that
fails for good is kept for the admins (/admin shows the failed and the waiting ones).

Nothing is lost when the worker is killed mid-job: Huey takes a job off the queue when it starts it,
so a record of the job (with the worker's process id) is written as it starts and removed once it
ends; a worker starting finds the records of jobs whose worker is gone and queues them again
(`recover()`). A job can therefore run twice (killed after its work but before its record went):
jobs are written so that a second run does no harm, or at worst sends a mail twice.

Each job's log lines carry the id of the request that queued it (forum/logs.py), or "job-" and the
job's own id for the periodic ones; /metrics counts jobs done, retried and failed, and the waiting.
"""

import logging
import os
import socket
import time
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path

from flask import has_app_context
from huey import Huey, signals
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from prometheus_client.core import GaugeMetricFamily

from . import logs, metrics
from .extensions import db

log = logging.getLogger(__name__)
RUNNING = "forum:running:"  # a job being run: its message, and which worker runs it
FAILED = "forum:failed:"  # a job that failed for good: what the admins see
MAX_FAILED_SHOWN = 50
RETRIES, RETRY_DELAY, BACKOFF = 5, 30, 2  # 30 s, 1, 2, 4 and 8 minutes


class ForumHuey(Huey):
    """Huey, with its storage chosen by configure(app) once the configuration is known."""

    storage_class = MemoryStorage


queue = ForumHuey("forum", results=False, utc=True)
_app = None  # the app the worker's jobs run in (configure())


def configure(app) -> None:
    """Point the queue at Redis or the jobs' SQLite file, or run jobs at once (JOBS_IMMEDIATE)."""
    global _app
    _app = app
    if app.config["JOBS_IMMEDIATE"]:
        queue._immediate = True
        queue.storage = MemoryStorage(queue.name)
    else:
        queue._immediate = False
        queue.storage = storage_for(app.config, app.instance_path)
    metrics.AT_SCRAPE["jobs"] = _waiting_gauge


def storage_for(config, instance_path: str):
    if config.get("REDIS_URL"):
        return RedisStorage(queue.name, url=config["REDIS_URL"])
    path = config.get("JOBS_FILE") or str(Path(instance_path) / "jobs.sqlite3")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteStorage(queue.name, filename=path)


class Job:
    """A queued function: `job(*args)` queues it (with the id of the request doing so, for its log
    lines); `job.call_local(*args)` runs it here and now."""

    def __init__(self, wrapper, name):
        self.wrapper, self.name = wrapper, name

    def __call__(self, *args, **kwargs):
        request_id = logs.current_request_id()
        return self.wrapper(*args, **kwargs, request_id=None if request_id == logs.NO_REQUEST else request_id)

    def call_local(self, *args, **kwargs):
        return self.wrapper.call_local(*args, **kwargs)


def task(retries: int = RETRIES, retry_delay: int = RETRY_DELAY, periodic=None):
    """Make a function a job (retried with back-off when it raises); with `periodic` (a huey.crontab),
    one the worker runs on that schedule."""

    def decorate(func):
        name = f"{func.__module__.removeprefix('forum.')}.{func.__name__}"

        @wraps(func)
        def run(*args, task=None, request_id=None, **kwargs):
            if task is None:  # call_local(): part of the caller's work, in its context and log lines
                return func(*args, **kwargs)
            with logs.request_id_as(request_id or f"job-{task.id[:8]}"), _app_context():
                started = time.monotonic()
                log.info("Job %s started (job %s%s)", name, task.id, _attempt(task, retries))
                try:
                    result = func(*args, **kwargs)
                except Exception as error:
                    if task.retries:
                        delay = task.retry_delay or 0
                        log.warning("Job %s failed: %s; trying again in %d s (%d more tries)", name,
                                    _safe(error), delay, task.retries)
                    else:
                        log.error("Job %s failed for good: %s", name, _safe(error))
                    raise
                log.info("Job %s done in %.3f s", name, time.monotonic() - started)
                return result

        if periodic is not None:
            wrapper = queue.periodic_task(periodic, retries=retries, retry_delay=retry_delay, retry_backoff=BACKOFF,
                                          context=True, name=name)(run)
        else:
            wrapper = queue.task(retries=retries, retry_delay=retry_delay, retry_backoff=BACKOFF, context=True,
                                 name=name)(run)
        return Job(wrapper, name)

    return decorate


def _attempt(task, retries: int) -> str:
    tried = retries - (task.retries or 0)
    return f", attempt {tried + 1}" if tried else ""


def _safe(error: Exception) -> str:
    """An error as the log and the admins may see it: no email address (an SMTP error may quote one)."""
    return logs.without_addresses(f"{type(error).__name__}: {error}")[:500]


class _app_context:
    """The app's context around a job: the worker's own, unless one is already there (JOBS_IMMEDIATE)."""

    def __enter__(self):
        self.context = None if has_app_context() else _app.app_context()
        if self.context is not None:
            self.context.push()

    def __exit__(self, *exc):
        if self.context is not None:
            db.session.remove()
            self.context.pop()


# --- Records: the jobs being run (for recover()), and the ones that failed for good ---------------------

@queue.signal(signals.SIGNAL_EXECUTING)
def _note_running(signal, task):
    record = {"pid": os.getpid(), "host": socket.gethostname(), "message": queue.serialize_task(task),
              "priority": task.priority, "name": task.name}
    queue.put(RUNNING + task.id, record)


@queue.signal(signals.SIGNAL_COMPLETE, signals.SIGNAL_ERROR, signals.SIGNAL_CANCELED, signals.SIGNAL_REVOKED,
              signals.SIGNAL_EXPIRED, signals.SIGNAL_LOCKED, signals.SIGNAL_TIMEOUT, signals.SIGNAL_RATE_LIMITED)
def _note_ended(signal, task, *exc):
    queue.delete(RUNNING + task.id)
    if signal == signals.SIGNAL_COMPLETE:
        metrics.JOBS_DONE.inc()
    elif signal in (signals.SIGNAL_ERROR, signals.SIGNAL_TIMEOUT):
        if task.retries:
            metrics.JOBS_RETRIED.inc()
        else:
            metrics.JOBS_FAILED.inc()
            queue.put(FAILED + task.id, {"name": task.name, "id": task.id, "failed_at": _utcnow(),
                                         "error": _safe(exc[0]) if exc else signal,
                                         "message": queue.serialize_task(task)})  # for a retry


def recover() -> int:
    """Queue again the jobs a worker that is gone (killed, or its machine restarted) was running."""
    host, queued = socket.gethostname(), 0
    for key in list(queue.storage.result_items()):
        if not str(key).startswith(RUNNING):
            continue
        record = queue.get(key, peek=True)
        if record is None or (record["host"] == host and record["pid"] != os.getpid() and _alive(record["pid"])):
            continue  # another worker of this machine is running it now
        queue.storage.enqueue(record["message"], record["priority"])
        queue.delete(key)
        queued += 1
        log.warning("Job %s was cut off (its worker, process %s, stopped mid-job): queued again",
                    record["name"], record["pid"])
    return queued


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def failed() -> list[dict]:
    """The jobs that failed for good, newest first."""
    records = [queue.serializer.deserialize(value)
               for key, value in queue.storage.result_items().items() if str(key).startswith(FAILED)]
    return sorted(records, key=lambda record: record["failed_at"], reverse=True)[:MAX_FAILED_SHOWN]


def failed_job(job_id: str) -> dict | None:
    """The record of this job that failed for good, or None (never failed, retried, or cleared)."""
    return queue.get(FAILED + job_id, peek=True)


def retry_failed(job_id: str) -> dict | None:
    """Queue a job that failed for good again, with its tries and back-off afresh and its log lines
    under the id of the request asking; its record leaves the list. None when there is no such record
    (another admin retried or cleared it first), or it was kept before records held the job itself."""
    record = queue.get(FAILED + job_id)  # taken: two admins pressing Retry queue it once
    if record is None:
        return None
    if "message" not in record:
        queue.put(FAILED + job_id, record)
        return None
    old = queue.deserialize_task(record["message"])
    request_id = logs.current_request_id()
    kwargs = {**old.kwargs, "request_id": None if request_id == logs.NO_REQUEST else request_id}
    queue.enqueue(type(old)(args=old.args, kwargs=kwargs, id=old.id, priority=old.priority))
    log.info("Job %s (job %s) queued again by hand after it failed for good", record["name"], job_id)
    return record


def forget_failed(job_id: str | None = None) -> int:
    """Take this job (or every one) off the list of failed jobs: an admin has read it."""
    if job_id is not None:
        return 1 if queue.delete(FAILED + job_id) else 0
    keys = [key for key in queue.storage.result_items() if str(key).startswith(FAILED)]
    for key in keys:
        queue.delete(key)
    return len(keys)


def waiting() -> list[dict]:
    """The jobs waiting: queued now, or for later (a retry's back-off, or a set time)."""
    now = _utcnow()
    queued = [{"name": task.name, "id": task.id, "due": None} for task in queue.pending(limit=MAX_FAILED_SHOWN)]
    later = [{"name": task.name, "id": task.id, "due": task.eta, "retry": task.retries}
             for task in queue.scheduled(limit=MAX_FAILED_SHOWN)]
    return queued + sorted(later, key=lambda job: job["due"] or now)


def summary() -> dict | None:
    """For /admin: the jobs waiting and the ones that failed for good; None when the queue does not answer."""
    try:
        return {"waiting": waiting(), "failed": failed(), "queued": queue.pending_count(),
                "later": queue.scheduled_count(), "immediate": queue.immediate}
    except Exception:
        log.warning("Could not read the job queue", exc_info=True)
        return None


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # naive UTC, as the database's times and Huey's


def _waiting_gauge():
    try:
        queued, later = queue.pending_count(), queue.scheduled_count()
    except Exception:  # the queue's storage (Redis) not answering must not break the scrape
        log.warning("Could not count the waiting jobs", exc_info=True)
        return
    gauge = GaugeMetricFamily("forum_jobs_waiting", "Jobs waiting: queued now, or for later (a retry's back-off).",
                              labels=["when"])
    gauge.add_metric(["now"], queued)
    gauge.add_metric(["later"], later)
    yield gauge


def work(workers: int = 2, stop_with: int | None = None) -> None:
    """Run the worker until it is stopped (SIGTERM or SIGINT: the jobs being run finish first)."""
    if queue.immediate:
        raise RuntimeError("JOBS_IMMEDIATE is set: jobs run where they are queued, and no worker is needed.")
    # Huey's own line for each job repeats this module's (which carry the request id); its start-up lines stay.
    logging.getLogger("huey").setLevel(logging.WARNING)
    logging.getLogger("huey.consumer").setLevel(logging.INFO)
    logging.getLogger("huey.consumer.Scheduler").setLevel(logging.WARNING)
    recovered = recover()
    consumer = queue.create_consumer(workers=workers, worker_type="thread", periodic=True, graceful_signal="TERM",
                                     check_worker_health=True, max_delay=2.0)
    if stop_with:
        _stop_with(stop_with)
    log.info("Job worker started (%d threads; %d cut-off job%s queued again)", workers, recovered,
             "" if recovered == 1 else "s")
    consumer.run()


def _stop_with(pid: int) -> None:
    """Stop (as SIGTERM does) once process `pid` has ended: `make run` stops its worker with itself."""
    import signal
    import threading

    def watch():
        while _alive(pid):
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True, name="stop-with").start()

