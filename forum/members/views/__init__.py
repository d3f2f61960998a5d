"""Profiles and @mention suggestions, pictures, watching a thread and ignoring a member."""

from . import avatars, preferences, profiles  # noqa: F401  (importing a module registers its routes on the blueprint)
