"""Profiles, the settings pages of members, pictures, watching and ignoring, and notifications."""

from . import account, avatars, email, notifications, preferences, profiles  # noqa: F401  (registers the routes)
