"""/healthz, /readyz and /metrics: plain, never cached, never rate-limited, and telling nothing they need not."""

import logging

from flask import Response, abort

from .. import metrics
from ..extensions import limiter
from . import bp, service

log = logging.getLogger("forum.ops")
NO_STORE = {"Cache-Control": "no-store"}


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """The process answers: nothing else is looked at."""
    return Response("ok\n", mimetype="text/plain", headers=NO_STORE)


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """Ready to serve, or 503 with the reason in the log only."""
    if problem := service.problem():
        log.warning("Not ready: %s", problem)
        return Response("not ready\n", status=503, mimetype="text/plain", headers=NO_STORE)
    return Response("ready\n", mimetype="text/plain", headers=NO_STORE)


@bp.get("/metrics")
@limiter.exempt
def scrape():
    """Prometheus' text format, for the addresses in METRICS_ALLOW only (forum/metrics.py)."""
    if not metrics.may_scrape():
        abort(403)
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type, headers=NO_STORE)
