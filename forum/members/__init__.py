"""Members as others see them: profiles and @mention suggestions."""

from flask import Blueprint

bp = Blueprint("members", __name__)

from . import account_views, avatar_views, email_settings, polling, preferences_views, views  # noqa: E402,F401
