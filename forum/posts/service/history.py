"""A post's earlier texts, and what changed between them."""

import difflib
import re
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape
from sqlalchemy import select

from ...extensions import db
from ...models import Post, PostRevision

TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class Version:
    number: int
    body: str
    written_at: datetime
    changes: Markup | None  # what changed from the version before, None for the first


def versions_of(post: Post) -> list[Version]:
    """Every text the post has had, newest first, each with its changes from the one before."""
    revisions = db.session.scalars(
        select(PostRevision).where(PostRevision.post_id == post.id).order_by(PostRevision.id)
    ).all()
    texts = [(r.body, r.written_at) for r in revisions] + [(post.body, post.edited_at or post.created_at)]
    versions = []
    for number, (body, written_at) in enumerate(texts, start=1):
        before = texts[number - 2][0] if number > 1 else None
        versions.append(Version(number, body, written_at, diff_html(before, body) if before is not None else None))
    return list(reversed(versions))


def diff_html(old: str, new: str) -> Markup:
    """The new text with words taken out in <del> and words put in as <ins>, all escaped."""
    old_words, new_words = TOKENS.findall(old), TOKENS.findall(new)
    parts = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, old_words, new_words, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            parts.append(Markup("<del>{}</del>").format("".join(old_words[a1:a2])))
        if op in ("insert", "replace"):
            parts.append(Markup("<ins>{}</ins>").format("".join(new_words[b1:b2])))
        if op == "equal":
            parts.append(escape("".join(new_words[b1:b2])))
    return Markup("").join(parts)
