"""The benchmark's dataset: built once per size and database with `flask forum seed-bench`, then reused.

SQLite by default, in a throwaway file under bench-results/ named after the sizes; PostgreSQL when
FORUM_BENCH_DATABASE_URL is set (its tables are dropped and made again). A marker file written after
a successful build says the data is there, so an interrupted build is never reused.

Sizes come from BENCH_MEMBERS, BENCH_THREADS, BENCH_POSTS, BENCH_BIG_THREAD and BENCH_SEED.
`python -m bench.dataset` (or `make bench-data`) builds it alone.
"""

import hashlib
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from . import conversations, seed, text

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results"
FLASK = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
DEFAULTS = asdict(seed.Sizes())


@dataclass(frozen=True)
class Dataset:
    url: str
    sizes: dict
    built_in: float | None  # seconds, when it was built by this run
    seed_output: str


def sizes_from_env() -> dict:
    return {name: int(os.environ.get(f"BENCH_{name.upper()}", default)) for name, default in DEFAULTS.items()}


def key(sizes: dict) -> str:
    return "m{members}-t{threads}-p{posts}-b{big_thread}-s{seed}".format(**sizes)


def schema_tag() -> str:
    """Changes with the tables, columns and indexes of the models and with the seed and search-index
    code: a dataset built before such a change is built again."""
    from forum.extensions import db
    from forum.search.service import index

    columns = sorted(f"{t.name}.{c.name}:{c.type!r}" for t in db.metadata.tables.values() for c in t.columns)
    columns += sorted(f"{i.table.name}.{i.name}:{[c.name for c in i.columns]}"
                      for t in db.metadata.tables.values() for i in t.indexes)
    sources = [Path(module.__file__).read_text() for module in (seed, conversations, text, index)]
    return hashlib.sha256("\n".join(columns + sources).encode()).hexdigest()[:8]


def _places(sizes: dict) -> tuple[str, str, Path | None]:
    """(database URL, the prefix of the files for these sizes, this build's SQLite file or None)."""
    url = os.environ.get("FORUM_BENCH_DATABASE_URL")
    if url:
        return url, f"pg-{hashlib.sha256(url.encode()).hexdigest()[:8]}-{key(sizes)}-", None
    prefix = f"bench-{key(sizes)}-"
    path = RESULTS / f"{prefix}{schema_tag()}.sqlite3"
    return f"sqlite:///{path}", prefix, path


def ensure() -> Dataset:
    """The dataset of the sizes asked for, built unless a finished build of it is there."""
    sizes = sizes_from_env()
    url, prefix, path = _places(sizes)
    marker = RESULTS / f"{prefix}{schema_tag()}.built"
    if marker.exists() and (path is None or path.exists()):
        print(f"Reusing the dataset {key(sizes)} ({'SQLite' if path else 'PostgreSQL'}).")
        return Dataset(url, sizes, None, marker.read_text())
    RESULTS.mkdir(exist_ok=True)
    for stale in RESULTS.glob(f"{prefix}*"):  # builds for an older schema, or an interrupted one
        stale.unlink()
    print(f"Building the dataset {key(sizes)} in {url} …")
    started = time.perf_counter()
    env = {**os.environ, "FORUM_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "bench.dataset", "--schema"], cwd=ROOT, env=env, check=True)
    output = _seed(sizes, env)
    built_in = time.perf_counter() - started
    output += f"Whole build (schema and seed): {built_in:.1f} s\n"
    print(output.splitlines()[-1])
    marker.write_text(output)
    return Dataset(url, sizes, built_in, output)


def _seed(sizes: dict, env: dict) -> str:
    """Run `flask forum seed-bench`, showing its lines as they come; returns them."""
    command = FLASK + ["forum", "seed-bench", *(f"--{name.replace('_', '-')}={value}" for name, value in sizes.items())]
    lines = []
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) as seeding:
        for line in seeding.stdout:
            print(line.rstrip())
            lines.append(line)
    if seeding.returncode:
        raise SystemExit(f"seed-bench failed ({seeding.returncode})")
    return "".join(lines)


def make_schema():
    """Empty tables from the models (with the search index), in FORUM_DATABASE_URL."""
    from forum import create_app
    from forum.extensions import db

    app = create_app()
    with app.app_context():
        db.drop_all()
        db.create_all()


if __name__ == "__main__":
    if sys.argv[1:] == ["--schema"]:
        make_schema()
    else:
        ensure()
