"""Members as others see them: profiles and @mention suggestions."""

from flask import Blueprint

bp = Blueprint("members", __name__)

from . import views  # noqa: E402,F401
