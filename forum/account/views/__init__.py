"""Every /settings page: the password, the profile (name, picture, bio), sessions, email, ignored members, data."""

from . import data, email, ignored, profile, sessions, settings, two_factor  # noqa: F401  (importing a module registers its routes)
