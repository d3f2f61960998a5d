"""Keeping the peace: flags and the review queue, sanctions and appeals, the moderation log.

The routes live in view modules gathered by `views.py`; `create_app` imports it. The package
itself stays light, because the posting services import its enforcement checks.
"""

from flask import Blueprint

bp = Blueprint("moderation", __name__)
