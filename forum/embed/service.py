"""Articles and their threads: which addresses may have one, finding it, and starting it the first time.

Who may make the forum start a thread. The address comes from the publisher's snippet, but the frame's
address, and so the article's, is in the visitor's hands: anyone can ask for /embed/article?url=… by
hand. So an address is taken only when

1. its origin is one of EMBED_ORIGINS (an admin's list), exactly: scheme, host and port; and
2. the first time, when no thread exists for it yet, the forum reads the page at that address itself
   (server to server, no redirects, a few seconds at most) and finds the publisher's snippet there,
   naming this very address. The thread's title is the snippet's data-title (else the page's own
   title), read from the publisher's page, never from the visitor's request.

A visitor can then only open threads for pages the publisher serves with the snippet on them: the
articles. A Referer or Origin check was not enough on its own (a script sends any Referer it likes),
and a publisher-signed parameter needs the publisher's server to sign every page, which static sites
cannot. Reading the page costs a request to the publisher once per article; the views rate-limit it.
"""

import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..database import write_transaction
from ..extensions import db
from ..looks import Look, by_origin
from ..models import Article, Category, Thread, User
from ..models.base import utcnow
from ..policy import check_may_write, links_allowed_for
from ..posts import service as posts
from ..posts.service.context import render_post
from ..refusals import Conflict, Forbidden, Malformed, Refusal
from ..settings import origin_of, site_setting
from ..slugs import slugify

MAX_URL = 500
MAX_PAGE_BYTES = 2 * 1024 * 1024
MAX_COUNTED = 100  # article addresses in one count request
TITLE_LENGTH = 150


class Unreachable(Refusal):
    """The publisher's page could not be read to check it: 502."""

    status = 502


def allowed_origins() -> list[str]:
    return site_setting("EMBED_ORIGINS")


def look_for(origin: str) -> Look | None:
    """The publisher's colours and font (EMBED_LOOKS), or None for the forum's own."""
    return by_origin(tuple(site_setting("EMBED_LOOKS"))).get(origin)


def look_by_digest(digest: str) -> Look | None:
    """The look whose stylesheet address names `digest`: one of the current ones, else None."""
    return next((look for look in by_origin(tuple(site_setting("EMBED_LOOKS"))).values()
                 if look.digest == digest), None)


def article_url(raw: str | None) -> str:
    """The canonical form of an article's address: its origin, path and query, without the fragment.
    Malformed (400) for anything that is not a whole http(s) address; Forbidden (403) when its site is
    not one of EMBED_ORIGINS."""
    raw = (raw or "").strip()
    origin = origin_of(raw) if len(raw) <= MAX_URL else None
    if origin is None:
        raise Malformed("Give the article's whole address, such as https://news.example.com/2026/story.")
    if origin not in allowed_origins():
        raise Forbidden("This site is not one whose articles the forum shows comments for.")
    parts = urlsplit(raw)
    return origin + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def find_article(url: str) -> Article | None:
    return db.session.scalar(select(Article).where(Article.url == url))


def article_by_thread(thread_id: int) -> Article | None:
    return db.session.scalar(select(Article).where(Article.thread_id == thread_id))


def article_thread(url: str, timeout: float) -> Article:
    """The article at `url` (from article_url) with its thread, started the first time, once the page
    at `url` is seen to carry the snippet naming it (see the module's docstring)."""
    article = find_article(url)
    if article is not None:
        return article
    title = snippet_title(fetch_page(url, timeout), url)
    return start_article_thread(url, title)


def start_article_thread(url: str, title: str) -> Article:
    """Start the article's thread in EMBED_CATEGORY, its opening post linking to the article. Two
    first visitors at once start one thread: the loser's transaction meets the unique address and
    returns the winner's."""
    category, author = _category(), _author()
    body = f"Comments on the article [{_markdown_text(title)}](<{url}>)."
    allowed = links_allowed_for(author)
    rendered = render_post(body, allowed)
    try:
        with write_transaction() as session:
            check_may_write(session, author)
            now = utcnow()
            thread = Thread(category_id=category.id, author_id=author.id, title=title, slug=slugify(title),
                            created_at=now, last_post_at=now, post_count=1)
            session.add(thread)
            session.flush()
            posts.new_post(session, thread.id, author, body, rendered, allowed, now)
            article = Article(url=url, origin=origin_of(url), thread_id=thread.id, title=title, created_at=now)
            session.add(article)
    except IntegrityError:
        earlier = find_article(url)
        if earlier is None:
            raise
        return earlier
    return article


def _category() -> Category:
    slug = site_setting("EMBED_CATEGORY")
    category = db.session.scalar(select(Category).where(Category.slug == slug)) if slug else None
    if category is None:
        raise Conflict("Comments are not set up yet: the forum has no category for article threads.")
    return category


def _author() -> User:
    username = site_setting("EMBED_AUTHOR")
    query = (select(User).where(User.username == username) if username else
             select(User).where(User.role == "admin", User.deleted_at.is_(None)).order_by(User.id).limit(1))
    author = db.session.scalar(query)
    if author is None or author.is_deleted:
        raise Conflict("Comments are not set up yet: the forum has no account to start article threads.")
    return author


def _markdown_text(text: str) -> str:
    """`text` as literal Markdown inline text (a title inside a link)."""
    return "".join(f"\\{ch}" if ch in "\\`*_{}[]()<>#+-.!|~&" else ch for ch in text)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer of its own (an HTTPError): the address must be the article's


def fetch_page(url: str, timeout: float) -> str:
    """The HTML at `url`, read by the forum itself; Unreachable when it does not answer 200 in time."""
    request = urllib.request.Request(url, headers={"User-Agent": "forum-comments-check/1",
                                                   "Accept": "text/html"})
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=timeout) as answer:
            if answer.status != 200:
                raise Unreachable(f"The article's page answered {answer.status}.")
            data = answer.read(MAX_PAGE_BYTES)
            charset = answer.headers.get_content_charset() or "utf-8"
    except urllib.error.HTTPError as error:
        raise Unreachable(f"The article's page answered {error.code}, so its comments cannot be started.") from None
    except (OSError, ValueError):
        raise Unreachable("The article's page could not be read, so its comments cannot be started yet.") from None
    return data.decode(charset, errors="replace")


class _SnippetFinder(HTMLParser):
    """Finds the comments snippet (<script src="…/embed.js" data-url=…>) naming an address, and titles."""

    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url, self.found, self.title, self.og_title, self.page_title = url, False, "", "", ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "script" and attributes.get("src", "").split("?")[0].endswith("/embed.js") \
                and not self.found and _same_article(attributes.get("data-url", ""), self.url):
            self.found, self.title = True, attributes.get("data-title", "")
        elif tag == "meta" and attributes.get("property") == "og:title":
            self.og_title = self.og_title or attributes.get("content", "")
        elif tag == "title" and not self.page_title:
            self._in_title = True

    def handle_data(self, data):
        if self._in_title:
            self.page_title += data

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False


def _same_article(named: str, url: str) -> bool:
    try:
        return article_url(named) == url
    except Refusal:
        return False


def snippet_title(html: str, url: str) -> str:
    """The article's title, from its page, when the page carries the snippet naming `url`; else Forbidden."""
    finder = _SnippetFinder(url)
    finder.feed(html)
    finder.close()
    if not finder.found:
        raise Forbidden("The page at this address does not show comments from this forum, so none are started.")
    title = " ".join((finder.title or finder.og_title or finder.page_title).split())
    return title[:TITLE_LENGTH].strip() or "Comments on an article"


def comment_counts(raw_urls: list[str]) -> dict[str, int]:
    """How many comments (posts after the opening one) each article has, by the address as given; an
    address of no article, or not allowed, counts 0, and so does a members-only article (the answer is
    public, kept by caches). One query for them all."""
    wanted: dict[str, str] = {}
    for raw in raw_urls[:MAX_COUNTED]:
        try:
            wanted[raw] = article_url(raw)
        except Refusal:
            continue
    counts: dict[str, int] = {}
    if wanted:
        rows = db.session.execute(
            select(Article.url, Thread.post_count - 1)
            .join(Thread, Thread.id == Article.thread_id)
            .where(Article.url.in_(set(wanted.values())), Thread.removed_at.is_(None),
                   Article.members_only.is_(False)))  # counted for everyone: members-only ones say 0
        counts = {url: max(count, 0) for url, count in rows}
    return {raw: counts.get(wanted.get(raw, ""), 0) for raw in raw_urls[:MAX_COUNTED]}
