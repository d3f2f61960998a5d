"""For the operator, not the members: /healthz and /readyz for a load balancer, /metrics for Prometheus."""

from flask import Blueprint

bp = Blueprint("ops", __name__)

from . import views  # noqa: E402,F401
