"""Members as others see them: profiles, @mention suggestions and pictures; watching a thread, ignoring a member."""

from flask import Blueprint

bp = Blueprint("members", __name__)

from . import views  # noqa: E402,F401
