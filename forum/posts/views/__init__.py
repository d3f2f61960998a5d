"""Post permalinks, history, editing, deleting and reactions; the quote and draft endpoints of the composer."""

from . import compose, held, pages, uploads  # noqa: F401  (importing a module registers its routes on the blueprint)
