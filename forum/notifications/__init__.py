"""Notifications: the list and the header's count, and the notification email with its unsubscribe link."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from . import views  # noqa: E402,F401
