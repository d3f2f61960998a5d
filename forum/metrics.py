"""Prometheus metrics (prometheus_client), served at /metrics (forum/ops) to METRICS_ALLOW only.

What is counted: every request by endpoint and status with its duration (the histogram's _count is
the number of requests), guests' pages answered from memory or rendered, mail sent or failed, jobs
done, retried and failed, sign-ups and posts (counted when their transaction commits), and, read at each
scrape, the flags waiting for a moderator and the jobs waiting (forum/jobs.py).

Several worker processes: with PROMETHEUS_MULTIPROC_DIR set in the environment before the server
starts (an empty folder, emptied at each start: `make run` and README "Deploying" do so), each worker
writes its numbers there and a scrape answered by any one of them adds up all of them (the library's
multiprocess mode). Without it each worker counts alone, which is right for one worker only.

Who may scrape: both the address the request came from (the proxy, behind one) and the visitor's
address that the trusted proxies vouch for (PROXY_HOPS) must be in METRICS_ALLOW. Behind nginx on the
same host the first is always loopback, so the second is what keeps outsiders out; a visitor who
reaches the app's port directly cannot pass by writing X-Forwarded-For, as the first check sees them.
"""

import ipaddress
import os

from flask import current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event, func, select

from .extensions import db
from .models import Flag, Post, User

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
# Seconds: a cached page takes well under a millisecond, a rendered one a few, a slow one more.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

if _folder := os.environ.get(MULTIPROCESS_DIR):  # each worker's numbers go to files there: it must exist
    os.makedirs(_folder, exist_ok=True)

REQUESTS = Histogram("forum_http_request_duration_seconds", "Requests answered, and how long each took, "
                     "by endpoint and status (_count is the number of requests).", ["endpoint", "status"],
                     buckets=BUCKETS)
PAGE_CACHE = Counter("forum_page_cache_requests", "Guests' pages that may be kept: answered from memory "
                     "(hit) or rendered (miss).", ["result"])
PAGE_CACHE_HIT, PAGE_CACHE_MISS = PAGE_CACHE.labels("hit"), PAGE_CACHE.labels("miss")
MAIL = Counter("forum_mail", "Mail handed to the mail server (sent) or that could not be (failed).", ["result"])
MAIL_SENT, MAIL_FAILED = MAIL.labels("sent"), MAIL.labels("failed")
JOBS = Counter("forum_jobs", "Jobs run by the job queue: done, failed and to be tried again (retried), "
               "or failed for good (failed).", ["result"])
JOBS_DONE, JOBS_RETRIED, JOBS_FAILED = JOBS.labels("done"), JOBS.labels("retried"), JOBS.labels("failed")
SIGNUPS = Counter("forum_signups", "Accounts created.")
POSTS = Counter("forum_posts", "Posts written (a new thread's first post included).")
# Gauges read at each scrape by the modules above (forum/jobs.py: the jobs waiting): name -> a function
# yielding metric families.
AT_SCRAPE = {}
NEW_ROWS = "forum.metrics.new_rows"  # in a session's info: accounts and posts flushed, counted at commit


def register(app) -> None:
    """Read who may scrape, and count accounts and posts as their transactions commit."""
    app.extensions["metrics_allow"] = [ipaddress.ip_network(network, strict=False)
                                       for network in app.config["METRICS_ALLOW"]]
    if not event.contains(db.session, "after_flush", _note_new_rows):
        event.listen(db.session, "after_flush", _note_new_rows)
        event.listen(db.session, "after_commit", _count_new_rows)
        event.listen(db.session, "after_soft_rollback", _forget_new_rows)


def observe_request(endpoint: str, status: str, seconds: float) -> None:
    REQUESTS.labels(endpoint, status).observe(seconds)


def may_scrape() -> bool:
    """Whether this request's peer, and the visitor its trusted proxies name, are both allowed."""
    peer = request.environ.get("werkzeug.proxy_fix.orig", request.environ)["REMOTE_ADDR"]
    return _allowed(peer) and _allowed(request.remote_addr)


def exposition() -> tuple[bytes, str]:
    """The scrape's body, and its content type."""
    return generate_latest(Scrape()), CONTENT_TYPE_LATEST


def _allowed(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in current_app.extensions["metrics_allow"])


class Scrape:
    """What a scrape reports: every worker's numbers (or this process's alone), and the database's."""

    def collect(self):
        if os.environ.get(MULTIPROCESS_DIR):
            workers = CollectorRegistry()
            MultiProcessCollector(workers)
            yield from workers.collect()
        else:
            yield from REGISTRY.collect()
        waiting = db.session.scalar(select(func.count()).select_from(Flag).where(Flag.resolved_at.is_(None)))
        yield GaugeMetricFamily("forum_flags_waiting", "Flags no moderator has decided on yet.", value=waiting)
        for gauges in list(AT_SCRAPE.values()):
            yield from gauges()


def _note_new_rows(session, flush_context) -> None:
    new = session.info.setdefault(NEW_ROWS, [0, 0])
    for instance in session.new:
        if isinstance(instance, User):
            new[0] += 1
        elif isinstance(instance, Post):
            new[1] += 1


def _count_new_rows(session) -> None:
    signups, posts = session.info.pop(NEW_ROWS, (0, 0))
    if signups:
        SIGNUPS.inc(signups)
    if posts:
        POSTS.inc(posts)


def _forget_new_rows(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint, was rolled back
        session.info.pop(NEW_ROWS, None)
