"""Keeping the peace: flags and the review queue, sanctions and appeals, the moderation log.

The routes live in the `views/` package, the services in `service/`. Who may write at all (sanctions in force,
locked threads, slow mode) is the core's `forum.policy`.
"""

from flask import Blueprint

bp = Blueprint("moderation", __name__)

from . import views  # noqa: E402,F401
