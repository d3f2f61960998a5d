"""Getting in: register, sign in and out, reset a forgotten password (the /settings pages are account's)."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import views  # noqa: E402,F401
