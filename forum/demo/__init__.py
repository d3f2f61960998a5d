"""The project's demo content: categories, members, threads and one long article discussion.

`flask forum seed-demo` and `flask forum first-run` call `seed_demo()` so that a new forum never
looks empty. The prose is data (data/*.toml, read by content.py); seed.py writes it.
"""

from .seed import CONTENT, seed_demo

NEWCOMER = CONTENT.newcomer

__all__ = ["NEWCOMER", "seed_demo"]
