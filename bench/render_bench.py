"""How fast posts render, measured rather than asserted: `make bench` or `python -m bench.render_bench`.

Three numbers, without a database:
- ordinary posts per second: ~200 varied, realistic bodies (paragraphs, a quote with its attribution,
  a nested quote, a link, a mention, a list, a code span), rendered over and over; the median of
  five runs;
- the same for ~200 richer bodies: each also has some of a table, a task list, a footnote, a spoiler,
  emoji and a coloured code block (issue 15);
- the worst hostile body at the length cap (forms.BODY_MAX): every payload and pathological input
  from tests/test_render.py repeated up to the cap, and hostile code for every language that is
  coloured, each rendered once; the slowest calls, by name.

The table is printed and written to bench-results/render.txt.
"""

import argparse
import platform
import random
import statistics
import sys
import time
from pathlib import Path

from forum.posts.forms import BODY_MAX
from forum.posts.service.highlight import LANGUAGES, LINE_MAX
from forum.posts.service.render import RenderContext, render_body
from tests.test_render import AT_CAP, HOSTILE, QUADRATIC, at_cap

RESULTS = Path(__file__).resolve().parent.parent / "bench-results" / "render.txt"
RUNS = 5
BODIES = 200
# What can make a lexer slow: unterminated strings and comments, words, separators, interpolations.
HOSTILE_CODE = ('"\\', "'", "/*", "<!--", "${", "#{", "`", "(", "[", "{", "<a ", "a ", "\\", '"""', "$(", "-- ",
                ":", "=", "<<", "%")

WORDS = ("the forum thread reply quote member moderator post idea question answer because however "
         "maybe garden bicycle kettle window river station library coffee winter weekend project "
         "results version update notes problem solution example detail patch review season").split()
MEMBERS = {f"member{n:02d}": n for n in range(40)}
NAMES = {n: f"Member {n}" for n in range(1, 400)}


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 18))]
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        words[i] = f"*{words[i]}*" if rng.random() < 0.5 else f"**{words[i]}**"
    return " ".join(words).capitalize() + rng.choice(".!?")


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 5)))


def body(n: int) -> str:
    """The n-th realistic post: the same text for the same n, on every machine."""
    rng = random.Random(n)
    parts = []
    quoted, inner = rng.randint(1, 399), rng.randint(1, 399)
    if n % 3 == 0:  # a quote of another post, sometimes with a quote inside it
        lines = [f"> [Someone](/p/{quoted}) wrote:", f"> {paragraph(rng)}"]
        if n % 2 == 0:
            lines += [">", f"> > [Someone else](/p/{inner}) wrote:", f"> > {sentence(rng)}"]
        parts.append("\n".join(lines))
    parts.append(paragraph(rng))
    if n % 2 == 1:
        parts.append(f"Thanks @member{rng.randrange(60):02d}, see https://docs.example.org/page/{n} "
                     f"and [the earlier thread](/t/{rng.randint(1, 500)}-notes).")
    if n % 4 == 1:
        parts.append("\n".join(f"- {sentence(rng)}" for _ in range(rng.randint(2, 5))))
    if n % 5 == 2:
        parts.append(f"Run `make test` with `FORUM_TEST_DATABASE_URL` set, then {sentence(rng).lower()}")
    if n % 7 == 3:
        parts.append("```\n" + "\n".join(f"print({i} * {n})" for i in range(4)) + "\n```")
    parts.extend(paragraph(rng) for _ in range(rng.randint(0, 3)))
    return "\n\n".join(parts)


CODE = {
    "python": 'def total(items):\n    """Sum the prices."""\n    return sum(i.price for i in items)  # {n}\n',
    "js": 'const rows = document.querySelectorAll("tr");\nfor (const row of rows) row.hidden = false; // {n}\n',
    "sql": "SELECT id, title FROM threads\nWHERE created_at > now() - interval '7 days'  -- {n}\nORDER BY id;\n",
    "bash": 'for f in *.log; do\n  gzip "$f"  # {n}\ndone\n',
}


def rich_body(n: int) -> str:
    """The n-th realistic post, with some of what issue 15 added: the same text on every machine."""
    rng = random.Random(-n)
    parts = [body(n)]
    if n % 3 == 0:
        parts.append("| Item | Qty | Price |\n|:--|--:|--:|\n" + "\n".join(
            f"| {rng.choice(WORDS)} | {rng.randint(1, 9)} | {rng.randint(1, 99)}.00 |" for _ in range(rng.randint(2, 6))))
    if n % 4 == 0:
        parts.append("\n".join(f"- [{rng.choice(' x')}] {sentence(rng)}" for _ in range(rng.randint(2, 4))))
    if n % 2 == 0:
        language = list(CODE)[n % len(CODE)]
        parts.append(f"```{language}\n" + CODE[language].replace("{n}", str(n)) + "```")
    if n % 5 == 0:
        parts.append(f"{sentence(rng)}[^1] :+1: :tada:\n\n[^1]: {sentence(rng)}")
    if n % 6 == 1:
        parts.append(f":::spoiler\n{paragraph(rng)}\n:::")
    if n % 2 == 1:
        parts.append(f"{sentence(rng)} :smile:")
    return "\n\n".join(parts)


def context(n: int) -> RenderContext:
    return RenderContext(links_allowed=n % 5 != 0, quote_names=NAMES, members=MEMBERS,
                         removed_quotes={7: "This post was removed by a moderator."})


def ordinary(renders: int, make=body) -> tuple[list[float], float]:
    corpus = [(make(n), context(n)) for n in range(BODIES)]
    for text, ctx in corpus:  # warm up: compiled regular expressions, caches
        render_body(text, ctx)
    rates = []
    for _ in range(RUNS):
        started = time.perf_counter()
        for i in range(renders):
            text, ctx = corpus[i % BODIES]
            render_body(text, ctx)
        rates.append(renders / (time.perf_counter() - started))
    return rates, statistics.mean(len(text) for text, _ in corpus)


def hostile() -> list[tuple[float, str, int]]:
    cases = dict(AT_CAP)
    for payload in HOSTILE:
        cases.setdefault(f"{payload[:24]!r}... x cap", at_cap(payload + "\n\n"))
    for name, unit in QUADRATIC.items():
        cases[f"{unit!r} x cap: {name}"] = at_cap(unit)
    cases["'<http://' x cap (inline linkify scheme search)"] = at_cap("<http://")
    for language in sorted({min(alias for alias in LANGUAGES if LANGUAGES[alias] == name)
                            for name in LANGUAGES.values() if name}):
        for unit in HOSTILE_CODE:
            line = (unit * LINE_MAX)[:LINE_MAX]
            code = "\n".join([line] * (BODY_MAX // (LINE_MAX + 1) - 1))
            cases[f"```{language} {unit!r} in {LINE_MAX}-char lines x cap"] = f"```{language}\n{code}\n```"
    ctx = RenderContext(links_allowed=False, quote_names={12: "Bob"}, members=MEMBERS)
    timings = []
    for name, text in cases.items():
        started = time.perf_counter()
        render_body(text, ctx)
        timings.append((time.perf_counter() - started, name, len(text)))
        print(".", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return sorted(timings, reverse=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--renders", type=int, default=2000, help="renders per run (default 2000)")
    parser.add_argument("--top", type=int, default=8, help="how many of the slowest hostile inputs to list")
    args = parser.parse_args(argv)

    rates, mean_length = ordinary(args.renders)
    rich_rates, rich_length = ordinary(args.renders, rich_body)
    slowest = hostile()
    median, rich_median = statistics.median(rates), statistics.median(rich_rates)
    lines = [
        f"render_body benchmark · Python {platform.python_version()} · {platform.machine()} · "
        f"{time.strftime('%Y-%m-%d %H:%M')}",
        "",
        f"Ordinary posts ({BODIES} bodies, mean {mean_length:,.0f} chars, {args.renders} renders x {RUNS} runs)",
        f"  median        {median:10,.0f} posts/s   ({1000 / median:.2f} ms per post)",
        "  runs          " + "  ".join(f"{rate:,.0f}" for rate in rates),
        "",
        f"Richer posts: tables, task lists, code, footnotes, spoilers, emoji ({BODIES} bodies, "
        f"mean {rich_length:,.0f} chars)",
        f"  median        {rich_median:10,.0f} posts/s   ({1000 / rich_median:.2f} ms per post)",
        "  runs          " + "  ".join(f"{rate:,.0f}" for rate in rich_rates),
        "",
        f"Hostile inputs at the length cap ({BODY_MAX:,} chars), {len(slowest)} bodies, one render each",
        f"  worst         {slowest[0][0] * 1000:10,.0f} ms        {slowest[0][1]}",
        f"  median        {statistics.median(t for t, _, _ in slowest) * 1000:10,.1f} ms",
        "",
        f"  {'ms':>8}  {'chars':>6}  input",
        *(f"  {t * 1000:8,.0f}  {length:6,}  {name}" for t, name, length in slowest[:args.top]),
    ]
    report = "\n".join(lines) + "\n"
    print(report, end="")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    print(f"\n(written to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
