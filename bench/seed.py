"""A large, realistic forum for `make bench`: `flask forum seed-bench`.

Members, categories, threads, posts (with quotes and reactions) and reading marks are written with bulk
Core inserts, not through the services: the web path would take hours for a million posts. What the
services keep in step is kept in step here too: `Thread.post_count` and `last_post_at`,
`Post.reaction_count` and `reaction_summary` (one `post_reactions` row per reaction, half of them likes), `post_quotes` for
every quote, and a reading mark (`thread_reads`) for each member in each thread they wrote in, as
posting leaves it. One post in eight of the big thread's unquoting ones shows a photo (PICTURES, drawn
with Pillow and stored as uploads are): an `uploads` row of its author's and the `post_uploads` row
that links it, as posting one leaves them.

Bodies are Markdown of realistic lengths, from a few words to a few paragraphs. A small pool of them
is rendered once with the real renderer and reused; replies that quote an earlier post of their
thread are rendered once per pool body with a stand-in id and name (`quote_markdown`, then
`render_post`), and each copy gets the quoted post's real id and author by plain substitution.
The most active member, whom `bench.run` signs in as, has private conversations (bench/conversations.py). Each
post's `search_text` is the text of its HTML (`posts.service.plain.text_of`), as the posts service stores it.
Every member has the same password (BENCH_PASSWORD), hashed once.

The search index is dropped during the load and rebuilt from the rows at the end (much faster than
keeping it up to date row by row).
"""

import hashlib
import html
import math
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import func, insert, select, text

from PIL import Image, ImageDraw

from forum import pictures
from forum.auth.service.passwords import hash_password
from forum.extensions import db
from forum.models import Category, Post, PostQuote, PostReaction, PostUpload, Thread, ThreadRead, Upload, User
from forum.models.base import utcnow
from forum.models.user import new_session_token, short_name
from forum.posts.service import uploads
from forum.posts.service.context import context_for, render_post
from forum.posts.service.images import ImageInfo
from forum.posts.service.plain import text_of
from forum.posts.service.quoting import quote_markdown
from forum.posts.service.reactions import summary_text
from forum.posts.service.render import RENDER_VERSION, render_body
from forum.search.service import index as search_index
from forum.slugs import slugify

from .conversations import load_conversations, viewer_index
from .text import FIRST, LAST, body_text, title_text

BENCH_PASSWORD = "bench-password"
BATCH = 5000
POOL = 500  # distinct bodies rendered (and as many quoting replies)
QUOTE_SHARE = 0.12  # replies that quote an earlier post of their thread
# The kinds of the reactions, picked from the post and the reactor (no draw from the seeded generator, so
# the rest of the data is what it was when they were all likes): half likes, half the default others.
REACTION_KINDS = ("like",) * 5 + ("👍", "😂", "😮", "😢", "🎉")
SPAN_DAYS = 3 * 365  # the forum's age
STAND_IN_ID, STAND_IN_NAME = 987654321, "Standin Quotedname"
BIG_TITLE = "The big thread: everything about the bench"
# The photos of the big thread: (width, height, what it shows); the widest gets a display copy, as uploads do.
PICTURES = ((1600, 900, "the harbour wall at dusk"), (1200, 900, "the allotment in June"),
            (800, 600, "a screenshot of the settings page"), (640, 960, "the new bike rack"))
PICTURE_EVERY = 8  # one unquoting post in this many of the big thread shows one
PICTURED = 40  # distinct bodies shown with each picture

CATEGORIES = (  # (slug, name, share of threads, members only)
    ("general", "General Discussion", 30, False), ("news", "News & Articles", 15, False),
    ("help", "Help & Questions", 20, False), ("hobbies", "Hobbies & Crafts", 12, False),
    ("food", "Food & Drink", 8, False), ("transport", "Getting Around", 6, False),
    ("feedback", "Site Feedback", 4, False), ("lounge", "Members' Lounge", 5, True),
)


@dataclass
class Sizes:
    members: int = 100_000
    threads: int = 20_000
    posts: int = 1_000_000
    big_thread: int = 10_000
    seed: int = 1

    def check(self):
        if self.members < 2 or self.threads < 1 or self.big_thread < 1:
            raise ValueError("Need at least 2 members, 1 thread and a big thread of at least 1 post.")
        if self.posts < self.big_thread + self.threads - 1:
            raise ValueError("Too few posts: every thread needs its opening post, and the big thread its own.")


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=dict)
    big_thread_id: int = 0

    def timed(self, label: str, started: float, echo):
        echo(f"  {label}: {time.perf_counter() - started:.1f} s")


@dataclass
class Pool:
    """(Markdown, HTML, search text) of plain bodies, and for each a reply quoting it (with the stand-in
    id and name)."""

    plain: list[tuple[str, str, str]]
    quoting: list[tuple[str, str, str]]
    _pictured: dict = field(default_factory=dict)

    @classmethod
    def build(cls, rng: random.Random) -> "Pool":
        plain, quoting = [], []
        stand_in = SimpleNamespace(public_name=STAND_IN_NAME)
        for _ in range(POOL):
            body = body_text(rng)
            plain.append(rendered(body))
            excerpt = body.split("\n\n")[0] if rng.random() < 0.6 else None  # a selection, or the whole post
            quoted = SimpleNamespace(id=STAND_IN_ID, body=body, author=stand_in)
            reply = quote_markdown(quoted, excerpt) + body_text(rng)
            quoting.append(rendered(reply))
        return cls(plain, quoting)

    def add_pictures(self, photos: list["Picture"]) -> None:
        """The first PICTURED plain bodies with each picture under them and a caption, rendered now (before
        the load, as the others are): a post of the big thread that shows one uses these."""
        for index in range(min(PICTURED, len(self.plain))):
            for picture in photos:
                body = (f"{self.plain[index][0]}\n\n{uploads.reference(picture.row, picture.alt)}\n"
                        f"*{picture.alt.capitalize()}, this morning.*")
                context = context_for(body, True)
                context.images = {picture.sha256: picture.info}
                body_html = render_body(body, context).html
                self._pictured[(index, picture.sha256)] = (body, body_html, text_of(body_html))

    def pictured(self, index: int, picture: "Picture") -> tuple[str, str, str]:
        """A body showing the picture, for plain body `index`."""
        return self._pictured[(index % PICTURED, picture.sha256)]

    def quote(self, index: int, post_id: int, name: str) -> tuple[str, str, str]:
        """The quoting reply for pool body `index`, quoting post `post_id` by `name` (plain letters and dots)."""
        body, body_html, search_text = self.quoting[index]
        return (body.replace(str(STAND_IN_ID), str(post_id)).replace(STAND_IN_NAME, name),
                body_html.replace(str(STAND_IN_ID), str(post_id)).replace(STAND_IN_NAME, html.escape(name)),
                search_text.replace(STAND_IN_NAME, name))


@dataclass
class Picture:
    """One of the big thread's photos, stored as an upload is (its files under the upload folder)."""

    sha256: str
    alt: str
    size: int  # bytes of the stored file
    info: ImageInfo
    row: SimpleNamespace  # what uploads.reference reads

    @classmethod
    def drawn(cls, number: int, width: int, height: int, alt: str) -> "Picture":
        picture = Image.new("RGB", (width, height), (60 + 40 * number, 110, 150 - 20 * number))
        draw = ImageDraw.Draw(picture)
        for band in range(0, height, 60):  # something for the encoder to keep
            draw.rectangle((0, band, width, band + 20), fill=(200 - 30 * number, 170, 90 + 25 * number))
        full = pictures.webp(picture)
        sha256 = hashlib.sha256(full).hexdigest()
        display = None
        if width > uploads.DISPLAY_WIDTH:
            display = (uploads.DISPLAY_WIDTH, round(height * uploads.DISPLAY_WIDTH / width))
        folder = uploads.folder()
        for name, data in ((f"{sha256}.webp", full),
                           (f"{sha256}-display.webp", pictures.webp(picture.resize(display)) if display else None)):
            if data is not None and not (folder / name).exists():
                pictures.store_as(folder / name, data, "image")
        info = ImageInfo(width, height, *(display or (None, None)), alt)
        return cls(sha256, alt, len(full), info, SimpleNamespace(sha256=sha256, alt=alt))


def rendered(body: str) -> tuple[str, str, str]:
    body_html = render_post(body, True).html
    return body, body_html, text_of(body_html)


# --- Planning ------------------------------------------------------------------------------------

def thread_sizes(rng: random.Random, sizes: Sizes) -> list[int]:
    """Posts per thread: the big thread first, the others long-tailed (most short, a few long)."""
    others = sizes.threads - 1
    counts = [sizes.big_thread] + [1] * others
    extra = sizes.posts - sizes.big_thread - others
    if others and extra:
        weights = [rng.lognormvariate(0, 1.3) for _ in range(others)]
        for index, n in Counter(rng.choices(range(others), weights, k=extra)).items():
            counts[index + 1] += n
    return counts


def post_times(rng: random.Random, counts: list[int], now) -> list[tuple[float, int]]:
    """(seconds before now, thread index) of every post, oldest first."""
    span = SPAN_DAYS * 86400
    times = []
    for index, count in enumerate(counts):
        start = span * 0.4 if index == 0 else rng.uniform(3600, span)
        lasted = start if index == 0 else min(start, rng.lognormvariate(math.log(3 * 86400), 1.2) * (1 + count / 40))
        times.append((start, index))
        times.extend((start - rng.uniform(0, lasted), index) for _ in range(count - 1))
    times.sort(key=lambda item: -item[0])
    return times


# --- Loading -------------------------------------------------------------------------------------

def next_id(connection, model) -> int:
    return (connection.scalar(select(func.max(model.id))) or 0) + 1


def batched(rows, size=BATCH):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_batches(connection, table, rows):
    """Core executemany, BATCH rows at a time."""
    for batch in batched(rows):
        connection.execute(insert(table), batch)


def load_categories(connection) -> list[tuple[int, int, bool]]:
    """(id, share, members only) of the bench categories, made if missing."""
    result = []
    for position, (slug, name, share, members_only) in enumerate(CATEGORIES):
        category_id = connection.scalar(select(Category.id).where(Category.slug == slug))
        if category_id is None:
            category_id = connection.execute(insert(Category.__table__).values(
                slug=slug, name=name, description=f"{name}: bench data.", position=position,
                members_only=members_only)).inserted_primary_key[0]
        result.append((category_id, share, members_only))
    return result


def member_rows(rng: random.Random, first_id: int, count: int, now, password_hash: str, pool: Pool):
    joined_before = now - timedelta(days=SPAN_DAYS)
    for n in range(count):
        user_id = first_id + n
        first, last = rng.choice(FIRST), rng.choice(LAST)
        bio, bio_html, _ = pool.plain[rng.randrange(POOL)] if rng.random() < 0.2 else ("", "", "")
        yield {"id": user_id, "username": f"{first.lower()}_{last[0].lower()}{user_id}",
               "display_name": f"{first} {last}", "email": f"member{user_id}@bench.invalid",
               "password_hash": password_hash, "session_token": new_session_token(), "role": "member",
               "name_style": "short" if rng.random() < 0.3 else "full", "email_notifications": "off",
               "created_at": joined_before - timedelta(seconds=rng.uniform(0, 2 * 365 * 86400)),
               "bio": bio, "bio_html": bio_html}


def public_name(row) -> str:
    return short_name(row["display_name"]) if row["name_style"] == "short" else row["display_name"]


def seed_bench(sizes: Sizes, echo=print) -> Report:
    """Write the dataset; returns how long each part took and what was written."""
    sizes.check()
    rng, report, now = random.Random(sizes.seed), Report(), utcnow()
    started = time.perf_counter()
    pool = Pool.build(rng)
    photos = [Picture.drawn(number, *picture) for number, picture in enumerate(PICTURES)]
    pool.add_pictures(photos)
    password_hash = hash_password(BENCH_PASSWORD)
    db.session.rollback()  # the renderer's look-ups began a read: hold no snapshot from before the load
    report.timed(f"rendering {2 * POOL + PICTURED * len(PICTURES)} bodies, drawing {len(PICTURES)} pictures "
                 "and hashing the password", started, echo)
    with db.engine.connect() as connection:
        _fast_load(connection)
        step = Step(connection, report, echo)
        step("dropping the search index", search_index.uninstall, connection)
        categories, first_member, names = step(f"{sizes.members:,} members", _load_members,
                                               connection, rng, sizes, now, password_hash, pool)
        counts, times, authors = step("planning threads and posts", _plan, rng, sizes, now)
        report.big_thread_id, first_post = step(f"{sizes.threads:,} threads", _load_threads, connection, rng,
                                                categories, counts, times, authors, first_member, now)
        loader = PostLoader(rng, pool, names, first_member, first_post, report.big_thread_id, now, photos)
        step("posts, their quotes, reactions and pictures", load_posts, connection, loader, times, authors)
        totals = loader.totals
        echo(f"    ({totals['posts']:,} posts, {totals['quotes']:,} quoting, {totals['reactions']:,} reactions, "
             f"{totals['pictures']:,} with a picture)")
        step(f"{len(loader.reads):,} reading marks", insert_batches, connection, ThreadRead.__table__,
             loader.read_marks())
        totals["messages"] = step("private conversations for the bench member", load_conversations, connection,
                                  sizes.seed, pool.plain, sizes.members, first_member, viewer_index(authors), now)
        step("rebuilding the search index", _finish, connection)
        if connection.dialect.name == "postgresql":
            started = time.perf_counter()
            _vacuum(connection)
            report.timed("VACUUM (ANALYZE) on PostgreSQL", started, echo)
        if connection.dialect.name == "sqlite":
            connection.invalidate()  # its loading pragmas must not serve anything else
    report.counts = {"members": sizes.members, "threads": sizes.threads, **totals, "reads": len(loader.reads)}
    return report


@dataclass
class Step:
    """Runs one part of the load in a transaction of its own, and reports how long it took."""

    connection: object
    report: Report
    echo: object

    def __call__(self, label: str, function, *args):
        started = time.perf_counter()
        with self.connection.begin():
            result = function(*args)
        self.report.timed(label, started, self.echo)
        return result


def _load_members(connection, rng, sizes, now, password_hash, pool):
    """(categories, first member id, public names by member index)."""
    categories = load_categories(connection)
    first_member = next_id(connection, User)
    members = list(member_rows(rng, first_member, sizes.members, now, password_hash, pool))
    insert_batches(connection, User.__table__, members)
    return categories, first_member, [public_name(row) for row in members]


def _plan(rng, sizes, now):
    """(posts per thread, (time, thread) of every post, author index of every post)."""
    counts = thread_sizes(rng, sizes)
    times = post_times(rng, counts, now)
    # Active members write most posts: member k is chosen with weight 1/(k + 50).
    authors = rng.choices(range(sizes.members), [1 / (k + 50) for k in range(sizes.members)], k=len(times))
    return counts, times, authors


def _load_threads(connection, rng, categories, counts, times, authors, first_member, now) -> tuple[int, int]:
    """Insert the threads; returns the first one's id (the big thread) and the first free post id."""
    first_thread = next_id(connection, Thread)
    insert_batches(connection, Thread.__table__,
                   _thread_rows(rng, categories, counts, times, authors, first_thread, first_member, now))
    return first_thread, next_id(connection, Post)


def _thread_rows(rng, categories, counts, times, authors, first_thread, first_member, now):
    """Threads with their final post_count and last_post_at (the posts come next, in time order)."""
    opened, last = {}, {}
    for (ago, index), author in zip(times, authors, strict=True):
        opened.setdefault(index, (ago, author))
        last[index] = ago
    public = [c for c in categories if not c[2]]
    rows = []
    for index, count in enumerate(counts):
        category = public[0] if index == 0 else rng.choices(categories, [c[1] for c in categories])[0]
        title = BIG_TITLE if index == 0 else title_text(rng)
        ago, author = opened[index]
        rows.append({"id": first_thread + index, "category_id": category[0], "author_id": first_member + author,
                     "title": title, "slug": slugify(title), "created_at": now - timedelta(seconds=ago),
                     "last_post_at": now - timedelta(seconds=last[index]), "post_count": count,
                     "locked": False, "pinned": False})
    return rows


class PostLoader:
    """Turns the planned (time, thread, author) stream into post rows, with their quotes, reactions and pictures;
    remembers each member's reading mark in each thread they wrote in."""

    def __init__(self, rng, pool, names, first_member, first_post, first_thread, now, photos=()):
        self.rng, self.pool, self.names, self.now = rng, pool, names, now
        self.first_member, self.next_post, self.first_thread = first_member, first_post, first_thread
        self.quotes: list[dict] = []  # of the posts made since the last take_extras()
        self.reactions: list[dict] = []
        self.uploads: list[dict] = []
        self.post_uploads: list[dict] = []
        self.photos, self.next_upload = list(photos), 1  # load_posts starts it past the uploads there are
        self._uploaded: dict[tuple[int, str], int] = {}  # (author, sha256) -> the upload's id
        self.totals = Counter()
        self.reads: dict[tuple[int, int], tuple[int, int, object]] = {}
        self._position = Counter()
        self._recent: dict[int, list[tuple[int, int, int]]] = {}  # thread -> last plain posts

    def posts(self, times, authors):
        for (ago, index), author in zip(times, authors, strict=True):
            post_id, created = self.next_post, self.now - timedelta(seconds=ago)
            self.next_post += 1
            self._position[index] += 1
            body, body_html, search_text, parent_id = self._body(index, author, post_id)
            likers = self._likers(author)
            given = [{"post_id": post_id, "user_id": self.first_member + liker,
                      "kind": REACTION_KINDS[(post_id * 7 + liker) % len(REACTION_KINDS)],
                      "created_at": min(created + timedelta(minutes=5 * (n + 1)), self.now)}
                     for n, liker in enumerate(likers)]
            self.reactions.extend(given)
            self.reads[(author, index)] = (post_id, self._position[index], created)
            self.totals.update(posts=1, reactions=len(likers))
            yield {"id": post_id, "thread_id": self.first_thread + index, "author_id": self.first_member + author,
                   "body": body, "body_html": body_html, "search_text": search_text, "render_version": RENDER_VERSION,
                   "links_allowed": True, "parent_id": parent_id, "created_at": created,
                   "reaction_count": len(likers), "version": 1,
                   "reaction_summary": summary_text(Counter(row["kind"] for row in given))}

    def take_extras(self) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
        """The quote, reaction, upload and post-upload rows of the posts yielded since the last call."""
        extras = self.quotes, self.reactions, self.uploads, self.post_uploads
        self.quotes, self.reactions, self.uploads, self.post_uploads = [], [], [], []
        return extras

    def _body(self, index, author, post_id):
        """(body, html, search text, parent id): a plain body, or now and then a quote of an earlier post."""
        earlier = self._recent.setdefault(index, [])
        if earlier and self.rng.random() < QUOTE_SHARE:
            quoted_id, quoted_author, quoted_index = self.rng.choice(earlier)
            self.quotes.append({"post_id": post_id, "quoted_post_id": quoted_id})
            self.totals.update(quotes=1)
            return *self.pool.quote(quoted_index, quoted_id, self.names[quoted_author]), quoted_id
        plain_index = self.rng.randrange(POOL)
        earlier.append((post_id, author, plain_index))
        del earlier[:-5]
        if index == 0 and self.photos and post_id % PICTURE_EVERY == 0:  # no draw: the rest stays as it was
            picture = self.photos[post_id // PICTURE_EVERY % len(self.photos)]
            self._show(post_id, author, picture)
            return (*self.pool.pictured(plain_index, picture), None)
        return (*self.pool.plain[plain_index], None)

    def _show(self, post_id: int, author: int, picture: Picture) -> None:
        """The author's upload of the picture (made the first time they post it), linked to the post."""
        key = (author, picture.sha256)
        if key not in self._uploaded:
            self._uploaded[key] = self.next_upload
            info = picture.info
            self.uploads.append({"id": self.next_upload, "sha256": picture.sha256, "owner_id": self.first_member + author,
                                 "size": picture.size, "width": info.width, "height": info.height,
                                 "display_width": info.display_width, "display_height": info.display_height,
                                 "alt": picture.alt, "created_at": self.now})
            self.next_upload += 1
        self.post_uploads.append({"post_id": post_id, "upload_id": self._uploaded[key]})
        self.totals.update(pictures=1)

    def _likers(self, author: int) -> list[int]:
        """Most posts have no reactions; the others a few, now and then many."""
        if self.rng.random() < 0.65:
            return []
        count = min(1 + int(self.rng.expovariate(1 / 1.5)), len(self.names) - 1, 200)
        likers = self.rng.sample(range(len(self.names)), count + 1)
        return [liker for liker in likers if liker != author][:count]

    def read_marks(self):
        for (author, index), (post_id, read_count, created) in self.reads.items():
            yield {"user_id": self.first_member + author, "thread_id": self.first_thread + index,
                   "last_read_post_id": post_id, "read_count": read_count, "updated_at": created}


def load_posts(connection, loader: PostLoader, times, authors):
    """Posts in batches, each followed by its quotes, reactions and pictures (which point at it)."""
    tables = (PostQuote.__table__, PostReaction.__table__, Upload.__table__, PostUpload.__table__)
    loader.next_upload = next_id(connection, Upload)
    for batch in batched(loader.posts(times, authors)):
        connection.execute(insert(Post.__table__), batch)
        for table, rows in zip(tables, loader.take_extras(), strict=True):
            if rows:
                connection.execute(insert(table), rows)


def _fast_load(connection):
    """SQLite: no fsync and no foreign-key checks while loading (this connection only; it is thrown away)."""
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        for pragma in ("synchronous=OFF", "foreign_keys=OFF", "cache_size=-262144", "temp_store=MEMORY"):
            raw.execute(f"PRAGMA {pragma}")


def _finish(connection):
    """The search index from the rows, and sequences past the explicit ids (PostgreSQL)."""
    search_index.install(connection, rebuild=True)
    if connection.dialect.name == "postgresql":
        for table in ("users", "categories", "threads", "posts", "uploads", "private_conversations", "private_messages"):
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT max(id) FROM {table}))"))


def _vacuum(connection):
    """Fresh statistics, and the tables vacuumed as autovacuum soon leaves a forum's: a table never vacuumed
    has no visibility map, so every index-only scan would read the table's rows as well, which no running
    forum pays. VACUUM runs outside a transaction."""
    connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM (ANALYZE)")


def existing_posts() -> int:
    """How many posts there are (on a connection of its own: the session holds no snapshot afterwards)."""
    with db.engine.connect() as connection:
        return connection.scalar(select(func.count(Post.id))) or 0
