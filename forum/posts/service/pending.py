"""Posts rendered again after a change to what they quote, when there are too many to render inside
the request that made the change (a removal, a restore, a deleted account).

Up to RERENDER_IN_REQUEST posts are rendered in the change's own transaction (posts.service
`_rerender_in`). Beyond that, the same transaction only marks them pending, in one statement per batch:
their stored HTML becomes a short placeholder and their search text empty, so that from the moment the
change commits no page, excerpt, feed or search shows the old quote (a removed post's words). The
`rerender_pending` job, queued once the change commits, renders them, a batch per write transaction;
each commit writes a new pages version, so the guest page cache drops what it kept. A job that is lost
leaves posts pending, never stale: the hourly clean-up and `flask forum rerender` render them too.
"""

from sqlalchemy import select, update

from ... import jobs
from ...database import after_commit, write_transaction
from ...models import Post
from .context import render_posts
from .plain import text_of
from .render import RENDER_VERSION

PENDING = -1  # render_version of a post waiting for the job (older than any renderer's version)
PENDING_HTML = ('<p class="post-pending">This post quotes one that has just changed, and is being brought up '
                "to date. Reload the page in a moment.</p>")
BATCH = 200


def mark_pending(session, post_ids: list[int]) -> None:
    """Inside the caller's write transaction: hide these posts' stored HTML until the job renders them,
    and queue the job for when the transaction has committed."""
    for start in range(0, len(post_ids), BATCH):
        chunk = post_ids[start:start + BATCH]
        session.execute(update(Post).where(Post.id.in_(chunk))
                        .values(body_html=PENDING_HTML, search_text="", render_version=PENDING))
    after_commit(session, rerender_pending)


def rendered_row(post_id: int, html: str) -> dict:
    """The columns a new rendering changes: the HTML, the text search reads, and the renderer's version."""
    return {"id": post_id, "body_html": html, "search_text": text_of(html), "render_version": RENDER_VERSION}


@jobs.task()
def rerender_pending() -> int:
    """Render every pending post, BATCH at a time, each batch committed (and the guest pages made stale)."""
    done = 0
    while batch := _render_a_batch():
        done += batch
    return done


def _render_a_batch() -> int:
    with write_transaction() as session:
        # Locked first (PostgreSQL), then rendered: a removal committing meanwhile either waits for this
        # batch and marks its posts pending again, or has committed before the lock and is seen here.
        rows = session.execute(select(Post.id, Post.body, Post.links_allowed)
                               .where(Post.render_version == PENDING).order_by(Post.id).limit(BATCH)
                               .with_for_update()).all()
        if rows:
            rendered = render_posts([(body, allowed) for _, body, allowed in rows])
            session.execute(update(Post), [rendered_row(post_id, fresh.html)
                                           for (post_id, _, _), fresh in zip(rows, rendered, strict=True)])
    return len(rows)
