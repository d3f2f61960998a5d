"""Running wrk (bounded, on 127.0.0.1) and reading its report."""

import re
import subprocess
from dataclasses import dataclass

LATENCY_LINE = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    bad_responses: int  # non-2xx/3xx, socket errors and timeouts


def run(url: str, seconds: int, cookie: str | None = None, threads: int = 2, connections: int = 16) -> WrkResult:
    # A long timeout: a slow page is measured by its real latency, not dropped as wrk's 2 s "timeout".
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True,
                            timeout=seconds + 60).stdout
    return parse(output)


def parse(output: str) -> WrkResult:
    latencies = {int(p): float(value) * TO_MS[unit] for p, value, unit in LATENCY_LINE.findall(output)}
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", output))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if errors:
        bad += sum(int(n) for n in errors.groups())
    return WrkResult(rate, latencies.get(50, 0.0), latencies.get(99, 0.0), bad)
