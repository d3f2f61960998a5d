"""Accounts: register, sign in and out, change password."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import login, registration, reset, views  # noqa: E402,F401  (routes and the login manager hooks)
