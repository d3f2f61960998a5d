"""The admin pages: members and their roles, registration blocks and the overview; categories."""

from . import categories, domains, jobs, members, settings  # noqa: F401  (importing a module registers its routes on the blueprint)
