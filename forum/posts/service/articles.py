"""What an article's settings (forum/models/article.py) mean for writing in its thread: closed comments
take no new post (staff's excepted, as in a locked thread), and a pre-moderated article's are held for a
moderator (forum.posts.service.held). Asked inside the write transaction, on the thread read there."""

from ...models import Thread
from ...models.base import utcnow
from ...policy import WriteRefused
from ...settings import site_setting

CLOSED = "Comments on this article are closed: no new comments."
PREMODERATED = "Comments on this article are read by a moderator before they are published."


def comments_closed(thread: Thread, now=None) -> bool:
    """Whether the thread is an article's whose comments are closed, by staff or by time."""
    article = thread.article
    return article is not None and article.is_closed(site_setting("EMBED_CLOSE_AFTER_DAYS"), now or utcnow())


def check_open(thread: Thread, author) -> None:
    """Raise WriteRefused when `author` may not comment because the article's comments are closed."""
    if not author.is_staff and comments_closed(thread):
        raise WriteRefused(CLOSED)


def premoderated(thread: Thread | None, author) -> bool:
    """Whether `author`'s post in the thread must wait for a moderator: every member's post on a
    pre-moderated article does (staff's are published)."""
    return (thread is not None and thread.article is not None and thread.article.premoderated
            and not author.is_staff)
