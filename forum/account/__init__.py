"""A member's own account: every page under /settings, and the services behind the profile and data pages."""

from flask import Blueprint

bp = Blueprint("account", __name__)

from . import views  # noqa: E402,F401
