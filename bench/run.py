"""`make bench`: the forum's pages against a plain Flask hello-world, both under granian as `make run` starts it.

1. The dataset (bench.dataset: a million posts by default, built once and reused).
2. The forum and bench/hello.py, each under granian as `make run` serves the forum: its RSGI interface
   and the forum's front (forum.serving), 2 workers of 4 app threads (bench.servers).
3. wrk on 127.0.0.1 (-t2 -c16, BENCH_DURATION seconds, BENCH_RUNS rounds, medians), round by round:
   hello-world, then each page as a guest and as a signed-in member; each page's req/s is also given as a
   ratio to the hello-world req/s of the same run: the overhead the forum adds on top of Flask.
   Guests are answered from the guest page cache, as in production.
4. The app's own time per page (Server-Timing, p95 of BENCH_SAMPLES sequential requests); for guests
   both rendering (each request at an address of its own) and answering from the cache.
5. Members replying to one thread at once; rows counted before and after.
6. Worker memory before and after all that.

The table is printed and written to bench-results/bench.txt, its "x hello" column drawn as a chart in
bench-results/bench.svg (bench.chart); each server's output is kept beside it.
"""

import math
import os
import platform
import statistics
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import create_engine, func, select, text

from . import dataset, posting, wrk
from .chart import share_chart
from .conversations import BIG_SUBJECT
from .seed import BENCH_PASSWORD, BIG_TITLE
from .servers import FORUM, HELLO, THREADS, WORKERS, Server
from .web import Session, percentile, server_times

RESULTS = dataset.RESULTS / "bench.txt"
CHART = dataset.RESULTS / "bench.svg"
DURATION = int(os.environ.get("BENCH_DURATION", 10))
RUNS = int(os.environ.get("BENCH_RUNS", 3))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", 200))
SAMPLE_SECONDS = float(os.environ.get("BENCH_SAMPLE_SECONDS", 30))  # per page: slow pages get fewer samples
POSTERS = int(os.environ.get("BENCH_POSTERS", WORKERS * THREADS))
REPLIES_EACH = int(os.environ.get("BENCH_REPLIES", 25))
FORUM_PORT = int(os.environ.get("BENCH_PORT", 5081))
HELLO_PORT = FORUM_PORT + 1
SEARCH_QUERY = "lighthouse"
GENEROUS = "1000000 per minute"
FORUM_ENV = {  # `make run`'s settings, with rate limits that let the posting scenario through
    "FORUM_LOCAL_HTTP": "true",
    "FORUM_GUEST_FORM_MIN_SECONDS": "0",  # the bench signs in at once: the bot trap would refuse it as too quick
    **{f"FORUM_{name}": GENEROUS for name in ("REPLY_RATE_LIMIT", "NEW_MEMBER_REPLY_RATE_LIMIT", "LOGIN_RATE_LIMIT",
                                               "THREAD_RATE_LIMIT", "NEW_MEMBER_THREAD_RATE_LIMIT")},
}


@dataclass(frozen=True)
class Facts:
    """What the pages to measure are, read from the dataset."""

    big_thread: str  # its path
    big_thread_pages: int
    category: str
    member: str  # the most active member: the signed-in viewer, and the profile shown
    posters: list[str]
    posting_thread_id: int
    posting_thread: str  # its path
    conversation: str | None = None  # the member's long private conversation (bench/conversations.py)

    @classmethod
    def read(cls, url: str, per_page: int = int(os.environ.get("FORUM_POSTS_PER_PAGE", 20))) -> "Facts":
        engine = create_engine(url)
        with engine.connect() as db:
            big_id, slug, count, category = db.execute(text(
                "SELECT t.id, t.slug, t.post_count, c.slug FROM threads t JOIN categories c ON c.id = t.category_id "
                "WHERE t.title = :title ORDER BY t.id DESC LIMIT 1"), {"title": BIG_TITLE}).one()
            # The most active member, the lowest id among equals: the one the seed gave conversations.
            active = db.execute(text(
                "SELECT u.username FROM users u JOIN (SELECT author_id, count(*) AS n FROM posts "
                "GROUP BY author_id ORDER BY n DESC, author_id LIMIT :n) p ON p.author_id = u.id "
                "ORDER BY p.n DESC, u.id"), {"n": POSTERS + 1}).scalars().all()
            conversation = db.execute(text(
                "SELECT c.id FROM private_conversations c JOIN conversation_participants p "
                "ON p.conversation_id = c.id JOIN users u ON u.id = p.user_id "
                "WHERE c.subject = :subject AND u.username = :member ORDER BY c.id DESC LIMIT 1"),
                {"subject": BIG_SUBJECT, "member": active[0]}).scalar()
            posting_thread = db.execute(text(
                "SELECT t.id, t.slug FROM threads t JOIN categories c ON c.id = t.category_id "
                "WHERE NOT c.members_only AND t.id != :big ORDER BY t.last_post_at DESC LIMIT 1"),
                {"big": big_id}).one()
        engine.dispose()
        return cls(f"/t/{big_id}-{slug}", max(1, -(-count // per_page)), category, active[0], active[1:],
                   posting_thread[0], f"/t/{posting_thread[0]}-{posting_thread[1]}",
                   f"/messages/{conversation}" if conversation else None)

    def pages(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """(name, path, who reads it): private messages are the member's alone (a guest is only sent to
        sign in there), so they have no guest row."""
        middle = (self.big_thread_pages + 1) // 2
        both, member = ("guest", "member"), ("member",)
        return [
            ("home", "/", both),
            ("category", f"/c/{self.category}", both),
            ("thread, first page", self.big_thread, both),
            (f"thread, page {middle}", f"{self.big_thread}?page={middle}", both),
            (f"thread, last page ({self.big_thread_pages})", f"{self.big_thread}?page={self.big_thread_pages}", both),
            ("profile", f"/u/{self.member}", both),
            ("inbox", "/messages", member),
            *([("conversation, last page", self.conversation, member)] if self.conversation else []),
            ("search", f"/search?q={SEARCH_QUERY}", both),
        ]


@dataclass
class Row:
    page: str
    who: str
    path: str
    runs: list
    server_p95: float = float("nan")  # rendering: for guests, at addresses no cache has seen
    samples: int = 0
    cached_p95: float = float("nan")  # guests: answered from the page cache

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(run, attribute) for run in self.runs)


@dataclass
class Results:
    rows: list[Row]
    hello_runs: list = field(default_factory=list)
    rss: dict[str, list[float]] = field(default_factory=dict)  # moment -> MB per worker
    replies: posting.PostingResult | None = None
    rows_added: int = 0
    locked: int = 0
    posting_failed: str = ""

    @property
    def hello_rate(self) -> float:
        return statistics.median(run.requests_per_second for run in self.hello_runs)


def thread_rows(url: str, thread_id: int) -> int:
    engine = create_engine(url)
    with engine.connect() as db:
        count = db.scalar(select(func.count()).select_from(text("posts")).where(text("thread_id = :id")),
                          {"id": thread_id})
    engine.dispose()
    return count


def cookie_for(row: Row, member: Session) -> str | None:
    return member.cookie_header if row.who == "member" else None


def measure_pages(forum: Server, hello: Server, results: Results, member: Session):
    """Rounds of hello-world then every page; each (page, who) measured once per round."""
    for round_number in range(1, RUNS + 1):
        print(f"Round {round_number}/{RUNS} …", flush=True)
        results.hello_runs.append(wrk.run(hello.base + "/", DURATION))
        for row in results.rows:
            row.runs.append(wrk.run(forum.base + row.path, DURATION, cookie_for(row, member)))


def sample_server_times(forum: Server, rows: list[Row], member: Session):
    for row in rows:
        guest = row.who == "guest"
        times = server_times(forum.base, row.path, SAMPLES, cookie_for(row, member), SAMPLE_SECONDS, each_new=guest)
        row.server_p95, row.samples = percentile(times, 0.95), len(times)
        # A page that may be kept says so (hit, or miss when it was rendered again); search is never kept.
        if guest and "X-Page-Cache" in Session.open(forum.base).request("GET", row.path)[1]:
            row.cached_p95 = percentile(server_times(forum.base, row.path, SAMPLES, seconds=SAMPLE_SECONDS), 0.95)


def measure_posting(forum: Server, results: Results, facts: Facts, url: str):
    before = thread_rows(url, facts.posting_thread_id)
    results.replies = posting.run(forum.base, facts.posting_thread, facts.posting_thread_id,
                                  facts.posters, BENCH_PASSWORD, REPLIES_EACH)
    results.rows_added = thread_rows(url, facts.posting_thread_id) - before
    results.locked = forum.log_text().count("database is locked")


def run_servers(data: dataset.Dataset, facts: Facts) -> Results:
    env = {**FORUM_ENV, "FORUM_DATABASE_URL": data.url}
    with (Server(FORUM, FORUM_PORT, dataset.RESULTS / "forum-server.log", env) as forum,
          Server(HELLO, HELLO_PORT, dataset.RESULTS / "hello-server.log") as hello):
        pages = facts.pages()
        if Session.open(forum.base).request("GET", pages[-1][1])[0] == 404:
            pages = pages[:-1]  # no search (yet)
        member = Session.open(forum.base).sign_in(facts.member, BENCH_PASSWORD)
        for name, path, whos in pages:  # a member row that answers a redirect would measure the wrong page
            status = member.request("GET", path)[0]
            if "guest" not in whos and status != 200:
                raise SystemExit(f"The signed-in member gets {status} from {name} ({path}), not the page.")
        results = Results([Row(name, who, path, []) for name, path, whos in pages for who in whos])
        for row in results.rows:  # warm up: first hits, and the member's reading marks written once
            server_times(forum.base, row.path, 3, cookie_for(row, member))
        results.rss["before"] = forum.worker_rss_mb()
        measure_pages(forum, hello, results, member)
        sample_server_times(forum, results.rows, member)
        results.rss["after the reads"] = forum.worker_rss_mb()
        try:
            measure_posting(forum, results, facts, data.url)
        except (RuntimeError, OSError) as error:  # the pages' numbers are still worth writing
            results.posting_failed = f"{error} (see {forum.log.name})"
        results.rss["after posting"] = forum.worker_rss_mb()
    return results


def table(rows: list[Row], hello_rate: float) -> str:
    header = (f"{'page':<26} {'who':<7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'x hello':>8} "
              f"{'app p95 ms':>10} {'cached':>7} {'errors':>6}")
    lines = [header, "-" * len(header),
             f"{'hello-world (ceiling)':<26} {'':<7} {hello_rate:>8.0f} {'':>8} {'':>8} {'100%':>8}"]
    for row in rows:
        rate = row.median("requests_per_second")
        lines.append(f"{row.page:<26} {row.who:<7} {rate:>8.0f} {row.median('p50_ms'):>8.1f} "
                     f"{row.median('p99_ms'):>8.1f} {rate / hello_rate:>8.1%} {row.server_p95:>10.1f} "
                     f"{'' if math.isnan(row.cached_p95) else f'{row.cached_p95:.2f}':>7} "
                     f"{sum(r.bad_responses for r in row.runs):>6}"
                     + (f"  (app p95 of {row.samples} requests)" if row.samples < SAMPLES else ""))
    return "\n".join(lines)


def posting_lines(results: Results) -> list[str]:
    replies = results.replies
    if replies is None:
        return [f"Posting: FAILED: {results.posting_failed}"]
    return [
        f"Posting: {replies.summary()}",
        f"  rows added to the thread: {results.rows_added} (successful responses: {replies.succeeded}) -> "
        + ("none lost" if results.rows_added == replies.succeeded else "MISMATCH"),
        f"  5xx answers: {replies.server_errors}; 'database is locked' in the server log: {results.locked}",
    ]


def report(data: dataset.Dataset, results: Results) -> str:
    return "\n".join([
        f"make bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        f"Dataset: {data.url.split('@')[-1]} ({dataset.key(data.sizes)}); "
        + (f"built in this run in {data.built_in:.0f} s" if data.built_in else "reused"),
        *("  " + line for line in data.seed_output.strip("\n").splitlines()),
        f"granian as `make run` (RSGI, forum.serving): {WORKERS} workers x {THREADS} app threads, forum and "
        f"hello-world alike; wrk -t2 -c16 -d{DURATION}s --timeout 30s, median of {RUNS} rounds",
        "errors: non-2xx/3xx answers, socket errors and timeouts over all rounds; app p95: Server-Timing of "
        f"{SAMPLES} sequential requests (at most {SAMPLE_SECONDS:.0f} s a page)",
        "Guests are answered from the page cache, as in production (PAGE_CACHE_SECONDS): their app p95 is of "
        "renders, each at an address no cache has seen; 'cached' is the app p95 of answers from the cache.",
        "",
        table(results.rows, results.hello_rate),
        "",
        *posting_lines(results),
        "Worker RSS (MB): " + "; ".join(f"{moment} {', '.join(f'{mb:.0f}' for mb in sizes) or '?'}"
                                        for moment, sizes in results.rss.items()),
    ])


def main() -> int:
    data = dataset.ensure()
    results = run_servers(data, Facts.read(data.url))
    text_report = report(data, results)
    print("\n" + text_report)
    RESULTS.write_text(text_report + "\n")
    CHART.write_text(share_chart([(f"{row.page}, {row.who}", row.median("requests_per_second")) for row in results.rows],
                                 results.hello_rate, when=f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"))
    print(f"\nWritten to {RESULTS.relative_to(dataset.ROOT)} and {CHART.relative_to(dataset.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
