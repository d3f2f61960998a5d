"""Starting granian the way `make run` does (RSGI, 2 workers, 4 app threads each), and watching its workers.

The forum is served through its own front, forum.serving (README "Slow clients"), and so is the
hello-world it is measured against, so that the two differ only by what the forum does.
"""

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from forum.serving import WholeRequests

from . import hello

ROOT = Path(__file__).resolve().parent.parent
GRANIAN = str(ROOT / ".venv" / "bin" / "granian")
WORKERS = int(os.environ.get("WORKERS", 2))
THREADS = int(os.environ.get("THREADS", 4))
FORUM = "forum.serving:create_server"
HELLO = "bench.servers:hello_server"


def hello_server():
    """granian's factory for bench/hello.py behind the forum's front, as the forum is served."""
    return WholeRequests(hello.app, threads=THREADS, body_seconds=60, largest_body=0)


class Server:
    """One granian server of a --factory `target`, in its own process group, its output in `log`; a
    context manager."""

    def __init__(self, target: str, port: int, log: Path, env: dict | None = None):
        self.target, self.port, self.log, self.env = target, port, log, env or {}
        self.process = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        # The Makefile's `run` line, on another port.
        command = [GRANIAN, "--interface", "rsgi", "--factory", "--no-ws", "--host", "127.0.0.1",
                   "--port", str(self.port), "--workers", str(WORKERS), "--respawn-failed-workers", self.target]
        env = {**os.environ, "FORUM_APP_THREADS": str(THREADS), **self.env}
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        self._wait_ready()
        return self

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)  # the group this Server started, and only it
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def _wait_ready(self, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"granian {self.target} stopped; see {self.log}")
            try:
                with urllib.request.urlopen(self.base + "/", timeout=5):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise RuntimeError(f"granian {self.target} did not answer within {timeout:.0f} s; see {self.log}")

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker process (the children of granian's main process), in MB."""
        return [_rss_mb(pid) for pid in _children(self.process.pid)]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _children(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return sorted(children)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
