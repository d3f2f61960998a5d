"""Talking to the forum as a browser would: signing in through the real form, sampling Server-Timing."""

import http.client
import re
import time
import urllib.parse
from dataclasses import dataclass

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SERVER_TIMING = re.compile(r"app;dur=([\d.]+)")


@dataclass
class Session:
    """One visitor on one keep-alive connection, with the cookies the forum gave it."""

    host: str
    port: int
    cookies: dict

    @classmethod
    def open(cls, base: str) -> "Session":
        parts = urllib.parse.urlsplit(base)
        return cls(parts.hostname, parts.port, {})

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        """(status, headers, body text); redirects are not followed."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        all_headers = dict(headers or {})
        if self.cookies:
            all_headers["Cookie"] = self.cookie_header
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers, text

    def csrf_token(self, path: str = "/login") -> str:
        status, _, text = self.request("GET", path)
        match = CSRF.search(text)
        if status != 200 or not match:
            raise RuntimeError(f"no form with a CSRF token at {path} ({status})")
        return match.group(1)

    def sign_in(self, username: str, password: str) -> "Session":
        form = {"csrf_token": self.csrf_token(), "username": username, "password": password, "next": ""}
        status, _, _ = self.request("POST", "/login", form)
        if status != 302:
            raise RuntimeError(f"signing in as {username} failed ({status})")
        return self


def server_times(base: str, path: str, samples: int, cookie: str | None = None,
                 seconds: float = float("inf"), each_new: bool = False) -> list[float]:
    """The app's own time (Server-Timing, ms) for `samples` sequential requests on one connection,
    or as many as fit in `seconds`. `each_new` gives every request an address of its own
    (`sample=N` added to the query), so that no page cache can answer it: the time of rendering."""
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Cookie": cookie} if cookie else {}
    times = []
    deadline = time.monotonic() + seconds
    try:
        for _ in range(samples):
            if time.monotonic() > deadline:
                break
            target = f"{path}{'&' if '?' in path else '?'}sample={len(times)}" if each_new else path
            connection.request("GET", target, headers=headers)
            response = connection.getresponse()
            response.read()
            match = SERVER_TIMING.search(response.headers.get("Server-Timing", ""))
            if match:
                times.append(float(match.group(1)))
    finally:
        connection.close()
    return times


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]
