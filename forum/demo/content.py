"""The demo's content, read from the TOML files in data/ beside this module.

data/forum.toml holds the categories (in the order the forum lists them), the members and the
newcomer. Each file data/threads/NN-key.toml is one thread, and the threads are written in the
order of NN, so a thread can link to the earlier ones. Its key names its opening post; a thread has

- category, author, title, and body (Markdown; `{thread:key}` becomes the address of that thread);
- days_ago: when the opening post was written (fractions give it a time of day), and span_hours:
  how long after it the last reply came;
- [[replies]], in order, each with an author and a body, and optionally:
  key (how later replies name it, to quote or answer it);
  quote, the post quoted above the body, as the Quote button does: { post = key, text = "an excerpt" },
  { post = key, through = "…" } for its start through these words, or { post = key } for all of it;
  to (the key of the post it answers; by default, the one it quotes);
  edit (what its author adds in an edit, after the grace period);
  deleted = true (its author deletes it once everything is written);
  reactions, who gave it which: { like = ["lou_d"], "🎉" = ["susan_t", "walt_h"] } (an opening post
  may have them too). Posts without get a few picked at random.

A body may show a picture: `{image:patio|its description}` becomes the Markdown of that picture
(pictures.py draws it), uploaded as the post's author, as the composer would.
"""

import tomllib
from pathlib import Path
from typing import NamedTuple

DATA = Path(__file__).resolve().parent / "data"


class Category(NamedTuple):
    slug: str
    name: str
    description: str
    members_only: bool = False


class Member(NamedTuple):
    username: str
    full_name: str
    name_style: str  # "short" shows the first name and last initial


class Quote(NamedTuple):
    post: str  # the key of the quoted post
    text: str | None = None  # an excerpt of it
    through: str | None = None  # the words its start is quoted through


class Reply(NamedTuple):
    author: str
    body: str
    key: str | None = None
    quote: Quote | None = None
    to: str | None = None
    edit: str | None = None
    deleted: bool = False
    reactions: dict[str, list[str]] | None = None  # kind ("like" or an emoji) -> usernames


class Thread(NamedTuple):
    key: str
    category: str
    author: str
    title: str
    body: str
    days_ago: float
    span_hours: float
    replies: tuple[Reply, ...] = ()
    reactions: dict[str, list[str]] | None = None  # to the opening post


class Content(NamedTuple):
    categories: tuple[Category, ...]
    members: tuple[Member, ...]
    newcomer: str  # joined hours before her first post: her link shows as hidden
    threads: tuple[Thread, ...]


def load(folder: Path = DATA) -> Content:
    """Every file of the demo content, refusing unknown fields (a misspelt one would be ignored)."""
    forum = _read(folder / "forum.toml")
    _refuse_unknown(forum, ("categories", "members", "newcomer"), "forum.toml")
    return Content(
        categories=tuple(_make(Category, table, "forum.toml") for table in forum["categories"]),
        members=tuple(_make(Member, table, "forum.toml") for table in forum["members"]),
        newcomer=forum["newcomer"],
        threads=tuple(_thread(path) for path in sorted((folder / "threads").glob("*.toml"))),
    )


def _thread(path: Path) -> Thread:
    """One thread file; its key is the file name without the number in front."""
    number, _, key = path.stem.partition("-")
    if not (number.isdigit() and key):
        raise ValueError(f"{path.name}: a thread file is named NN-key.toml")
    table = _read(path)
    table["replies"] = tuple(_reply(reply, path.name) for reply in table.get("replies", ()))
    return _make(Thread, {**_stripped(table), "key": key}, path.name)


def _reply(table: dict, where: str) -> Reply:
    fields = _stripped(table)
    if "quote" in fields:
        fields["quote"] = _make(Quote, fields["quote"], where)
    return _make(Reply, fields, where)


def _stripped(table: dict) -> dict:
    """The table, its prose without the line breaks that frame a multi-line string."""
    return {name: value.strip() if name in ("body", "edit") else value for name, value in table.items()}


def _make(kind: type, table: dict, where: str):
    """A `kind` from a TOML table, naming the file when a field is unknown or missing."""
    _refuse_unknown(table, kind._fields, where)
    try:
        return kind(**table)
    except TypeError as error:
        raise ValueError(f"{where}: {error}") from error


def _refuse_unknown(table: dict, fields: tuple, where: str):
    if unknown := set(table) - set(fields):
        raise ValueError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")


def _read(path: Path) -> dict:
    with path.open("rb") as file:
        return tomllib.load(file)
