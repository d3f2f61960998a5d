"""`Server-Timing: app;dur=<ms>` on every response: how long the app spent on it (for `make bench`
and the browser's developer tools), measured from the first before-request hook to the last after-request one."""

import time

from flask import g


def register(app):
    app.before_request(_start)
    app.after_request(_add_header)


def _start():
    g.timing_started = time.perf_counter()


def _add_header(response):
    started = g.pop("timing_started", None)
    if started is not None:
        response.headers.add("Server-Timing", f"app;dur={(time.perf_counter() - started) * 1000:.1f}")
    return response
