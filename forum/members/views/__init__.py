"""Profiles, the settings pages of members, pictures, watching and ignoring."""

from . import account, avatars, email, preferences, profiles  # noqa: F401  (registers the routes)
