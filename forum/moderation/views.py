"""Moderation pages: the views live in modules by concern, all on this blueprint."""

from . import sanction_views  # noqa: F401
from . import queue_views  # noqa: F401
