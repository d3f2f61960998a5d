"""Category and thread pages, the thread composer, and the live updates of a thread page."""

from . import attach, compose, live, pages, site, slow_down  # noqa: F401  (importing a module registers its routes on the blueprint)
