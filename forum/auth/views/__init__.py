"""Signing in and out, registering, and resetting a forgotten password."""

from . import invites, login, oidc, registration, reset, sso, two_factor  # noqa: F401  (importing a module registers its routes on the blueprint)
