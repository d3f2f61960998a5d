"""Comments under publishers' articles: a thread shown in a frame on an allowed publisher's page,
found or started from the article's address (README, "Comments under articles")."""

from flask import Blueprint

bp = Blueprint("embed", __name__, url_prefix="/embed")

from . import views  # noqa: E402,F401
