"""The review queue at /mod and the staff tools for posts and threads; sanctions and appeals."""

from . import newsroom, queue, sanctions  # noqa: F401  (importing a module registers its routes on the blueprint)
