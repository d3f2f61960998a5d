"""Several signed-in members replying to one thread at once, through the real form (with its CSRF token).

Each member signs in, opens the thread's last page for the form's token, then all post together.
A success is the redirect to the new post (302); 5xx answers are counted, and the server log is
searched for "database is locked". The caller counts the thread's rows before and after.
"""

import statistics
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

from .web import Session, percentile

WORDS = "thanks for the update I walked past the library this morning and the new hours are posted".split()


@dataclass
class PostingResult:
    members: int
    attempted: int = 0
    statuses: Counter = field(default_factory=Counter)
    latencies_ms: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def succeeded(self) -> int:
        return self.statuses[302] + self.statuses[201]

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def summary(self) -> str:
        rate = self.succeeded / self.seconds if self.seconds else 0.0
        median = statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")
        return (f"{self.members} members x {self.attempted // max(self.members, 1)} replies: "
                f"{self.succeeded}/{self.attempted} posted in {self.seconds:.1f} s ({rate:.1f} replies/s), "
                f"p50 {median:.0f} ms, p99 {percentile(self.latencies_ms, 0.99):.0f} ms, "
                f"statuses {dict(sorted(self.statuses.items()))}")


def run(base: str, thread_path: str, thread_id: int, usernames: list[str], password: str,
        replies_each: int) -> PostingResult:
    sessions = [Session.open(base).sign_in(name, password) for name in usernames]
    tokens = [session.csrf_token(thread_path) for session in sessions]
    result = PostingResult(members=len(sessions), attempted=len(sessions) * replies_each)
    lock, start = threading.Lock(), threading.Barrier(len(sessions) + 1)

    def member(session: Session, token: str, n: int):
        start.wait()
        for i in range(replies_each):
            body = f"Reply {i} from member {n}: " + " ".join(WORDS[(i + n) % 5:])
            form = {"csrf_token": token, "body": body, "parent_id": "", "request_key": uuid.uuid4().hex}
            began = time.perf_counter()
            try:
                status = session.request("POST", f"/t/{thread_id}/reply", form)[0]
            except OSError:
                status = 599  # the connection failed
            with lock:
                result.statuses[status] += 1
                result.latencies_ms.append((time.perf_counter() - began) * 1000)

    workers = [threading.Thread(target=member, args=(s, t, n)) for n, (s, t) in enumerate(zip(sessions, tokens))]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join()
    result.seconds = time.perf_counter() - began
    return result
