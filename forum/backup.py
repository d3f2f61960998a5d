"""Backups of the database while the forum serves, and restoring one: `flask forum backup|restore PATH`.

SQLite: the SQLite backup API copies every page inside one read transaction, so the copy is the
database as it was at one moment; in WAL mode readers do not block writers, so the forum keeps
posting meanwhile. PostgreSQL: `pg_dump --format=custom` (one snapshot too), restored with
`pg_restore --no-owner --clean --if-exists` in a single transaction.

Both say what they are doing through `step` (one call per stage of STEPS, which `flask forum backup`
shows as a progress bar) and end with a summary: what was written, its size, and what it holds.

A backup is first written beside PATH under a temporary name and renamed when complete: PATH never
holds half a backup. Uploaded files (instance/uploads) are not in the database: copy them as well.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from .extensions import db

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"
KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Options of psycopg or SQLAlchemy that may sit in the URL's query but mean nothing to libpq.
NOT_FOR_LIBPQ = {"prepare_threshold", "autocommit"}
# The stages of each command, in order, as `step` is told them.
STEPS = {"backup": ("Copying the database", "Checking the copy", "Counting what it holds"),
         "restore": ("Checking the backup", "Checking the database is empty", "Restoring", "Counting what it holds")}
# What the summary counts: (table, one, many).
COUNTED = (("users", "member", "members"), ("threads", "thread", "threads"), ("posts", "post", "posts"))


def _quiet(_stage: str) -> None:
    """`step` when nobody watches."""


class BackupError(Exception):
    """Something the person running the command has to fix; the message says what."""


def backup(database_url: str, path, overwrite: bool = False, step: Callable[[str], None] = _quiet) -> str:
    """Write a consistent copy of the database to `path` and say what was written and what it holds."""
    copying, checking, counting = STEPS["backup"]
    url = make_url(database_url)
    kind = _kind(url)
    target = _new_file(Path(path), overwrite)
    partial = _partial_beside(target)
    try:
        step(copying)
        if kind == "sqlite":
            _sqlite_copy(_sqlite_file(url, must_exist=True), partial, checked=lambda: step(checking))
            step(counting)
            held = _counts(URL.create("sqlite", database=str(partial)))
        else:
            _run("pg_dump", "--format=custom", "--file", str(partial), "--dbname", _conninfo(url), url=url)
            step(checking)  # pg_dump checks what it writes; its exit status said so
            step(counting)
            held = _counts(url)  # the database as it is now: a moment after the dump's snapshot
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return f"Backed up the {KINDS[kind]} database to {target} ({_size(target)}): {held}."


def prune(kept: Path, keep: int) -> list[Path]:
    """After a backup: keep the `keep` newest backups beside `kept` (files of its suffix in its folder,
    by modification time; `kept` always stays) and delete the others. Returns what was deleted."""
    older = sorted((path for path in kept.parent.glob(f"*{kept.suffix}") if path.is_file() and path != kept),
                   key=lambda path: path.stat().st_mtime, reverse=True)
    gone = older[max(keep - 1, 0):]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


def restore(database_url: str, path, force: bool = False, step: Callable[[str], None] = _quiet) -> str:
    """Put a backup into the database, which must be empty (no rows) unless `force`."""
    checking, checking_empty, restoring, counting = STEPS["restore"]
    url = make_url(database_url)
    kind = _kind(url)
    source = Path(path)
    step(checking)
    if not source.is_file():
        raise BackupError(f"There is no backup file at {source}.")
    found = _kind_of_file(source)
    if found != kind:
        what = f"a {KINDS[found]} backup" if found else "not a backup this command made"
        raise BackupError(f"{source} is {what}, and the forum's database is {KINDS[kind]}.")
    if kind == "sqlite":
        _check_sqlite(source)
    step(checking_empty)
    in_use = _tables_with_rows(url)
    if in_use and not force:
        raise BackupError(f"The database is not empty ({', '.join(in_use[:5])} hold rows): restoring would "
                          "replace its content. Stop the forum and pass --force to do that.")
    step(restoring)
    if kind == "sqlite":
        target = _sqlite_file(url, must_exist=False)
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source, target, check=False)
    else:
        _run("pg_restore", "--no-owner", "--clean", "--if-exists", "--single-transaction",
             "--dbname", _conninfo(url), str(source), url=url)
    step(counting)
    return f"Restored {source} into the {KINDS[kind]} database: {_counts(url)}."


def _kind(url: URL) -> str:
    kind = url.get_backend_name()
    if kind not in KINDS:
        raise BackupError(f"Backups of {kind} databases are not supported, only of SQLite and PostgreSQL.")
    return kind


def _kind_of_file(path: Path) -> str | None:
    with path.open("rb") as handle:
        start = handle.read(len(SQLITE_HEADER))
    if start == SQLITE_HEADER:
        return "sqlite"
    return "postgresql" if start.startswith(PG_DUMP_HEADER) else None


def _new_file(path: Path, overwrite: bool) -> Path:
    """`path`, checked: a file name in a folder that exists, and not an existing file unless allowed."""
    if path.is_dir():
        raise BackupError(f"{path} is a folder: give the backup a file name inside it.")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    if path.exists() and not overwrite:
        raise BackupError(f"{path} exists already: choose another name, or pass --force to replace it.")
    return path


def _partial_beside(target: Path) -> Path:
    """An empty file next to `target` (readable by its owner only: a backup holds password hashes)."""
    try:
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    except OSError as error:
        raise BackupError(f"Cannot write in {target.parent}: {error.strerror}.") from error
    os.close(handle)
    return Path(name)


def _sqlite_file(url: URL, must_exist: bool) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("The database is in memory: there is no file to back up or restore into.")
    path = Path(url.database)
    if must_exist and not path.is_file():
        raise BackupError(f"There is no database at {path}.")
    return path


def _sqlite_copy(source: Path, target: Path, check: bool = True, checked: Callable[[], None] = lambda: None) -> None:
    """Copy `source` into `target` with the backup API, in one step (one consistent snapshot: in steps
    of some pages, a write meanwhile would start it again, and a busy forum might never let it end)."""
    origin = sqlite3.connect(source, timeout=30)
    copy = sqlite3.connect(target, timeout=30)
    try:
        origin.backup(copy)
        checked()
        if check:  # the copy is a standalone file (no -wal beside it) and reads back whole
            copy.execute("PRAGMA journal_mode=DELETE")
            _expect_ok(copy, target)
    except sqlite3.Error as error:
        raise BackupError(f"Copying {source} failed: {error}.") from error
    finally:
        copy.close()
        origin.close()


def _check_sqlite(path: Path) -> None:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        _expect_ok(connection, path)
    except sqlite3.Error as error:
        raise BackupError(f"{path} cannot be read as a database: {error}.") from error
    finally:
        connection.close()


def _expect_ok(connection, path: Path) -> None:
    result = connection.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{path} is damaged: {result}")


def _tables_with_rows(url: URL) -> list[str]:
    """The forum's tables that hold at least one row (none in a missing or freshly migrated database)."""
    if url.get_backend_name() == "sqlite" and not _sqlite_file(url, must_exist=False).exists():
        return []
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            tables = [table for name, table in db.metadata.tables.items() if name in present]
            return [table.name for table in tables
                    if connection.execute(select(1).select_from(table).limit(1)).first()]
    except SQLAlchemyError as error:
        raise BackupError(f"Cannot read the database: {str(getattr(error, 'orig', None) or error).strip()}") from error
    finally:
        engine.dispose()


def _counts(url: URL) -> str:
    """What a database holds, for the summary: "3 members, 12 threads, 140 posts"."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            counts = [(connection.execute(select(func.count()).select_from(db.metadata.tables[table])).scalar_one()
                       if table in present else 0, one, many) for table, one, many in COUNTED]
    except SQLAlchemyError as error:
        return f"its content could not be counted ({str(getattr(error, 'orig', None) or error).strip()})"
    finally:
        engine.dispose()
    return ", ".join(f"{n:,} {one if n == 1 else many}" for n, one, many in counts)


def _conninfo(url: URL) -> str:
    """The URL as a libpq connection string, without the password (passed in PGPASSWORD instead)."""
    from psycopg.conninfo import make_conninfo

    params = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    params.update({key: value for key, value in url.query.items() if key not in NOT_FOR_LIBPQ})
    return make_conninfo("", **{key: value for key, value in params.items() if value is not None})


def _run(program: str, *args: str, url: URL) -> None:
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(f"{program} was not found: install the PostgreSQL client programs "
                          "(Debian: apt install postgresql-client), of the server's version or newer.")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    done = subprocess.run([executable, *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{program} failed: {done.stderr.strip() or f'exit status {done.returncode}'}")


def _size(path: Path) -> str:
    size = path.stat().st_size
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
