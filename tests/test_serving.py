"""forum/serving.py on its own: the app is given whole requests, and only whole requests.

granian's RSGI scope and protocol are stood in for by small fakes: a body that arrives in chunks
(or stalls), and a protocol that records the answer. tests/test_slow_clients.py serves the real thing.
"""

import asyncio
import io
import threading
from types import SimpleNamespace

from forum.serving import IN_MEMORY_BYTES, WholeRequests, wsgi_environ


class Headers(dict):
    """RSGI's header mapping: lower-case names, here each with its list of values."""

    def get(self, name, default=None):
        return self[name][0] if name in self else default

    def get_all(self, name):
        return list(self[name])


def scope(method="GET", path="/", headers=None, client="127.0.0.1:50000"):
    values = {name: value if isinstance(value, list) else [value] for name, value in (headers or {}).items()}
    return SimpleNamespace(proto="http", http_version="1.1", server="127.0.0.1:8000", client=client,
                           scheme="http", method=method, path=path, query_string="", authority=None,
                           headers=Headers(values))


class Protocol:
    """A request body sent in `chunks`, each after `pause` seconds (None: never sent); records the answer."""

    def __init__(self, chunks=(), pause=0.0):
        self.chunks, self.pause, self.answer, self.body_read = list(chunks), pause, None, False

    async def __aiter__(self):
        self.body_read = True
        for chunk in self.chunks:
            await asyncio.sleep(3600 if self.pause is None else self.pause)
            yield chunk

    def response_bytes(self, status, headers, body):
        self.answer = (status, dict(headers), body)

    def response_str(self, status, headers, body):
        self.answer = (status, dict(headers), body.encode())


class Recorder:
    """A WSGI app that answers 200 with the body it read, remembering its environ."""

    def __init__(self):
        self.environs = []

    def __call__(self, environ, start_response):
        self.environs.append(environ)
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]


def run_in_own_loop(coroutine) -> None:
    """asyncio.run() in a thread of its own: granian runs the front in its own loop, and the test
    process may already have a loop running in this thread (Playwright's sync API leaves one)."""
    failures = []

    def run():
        try:
            asyncio.run(coroutine)
        except BaseException as error:  # handed back to the test's thread below
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


def serve(request_scope, protocol, body_seconds=5.0, biggest=1024 * 1024):
    app = Recorder()
    front = WholeRequests(app, threads=2, body_seconds=body_seconds, largest_body=biggest)
    try:
        run_in_own_loop(front.__rsgi__(request_scope, protocol))
    finally:
        front.__rsgi_del__(None)
    return app, protocol.answer


def posted(length, **headers):
    return scope("POST", "/login", {"content-length": str(length), **headers})


def test_a_body_sent_in_pieces_reaches_the_app_whole():
    pieces = [b"username=ada&", b"password=", b"x" * IN_MEMORY_BYTES]  # the last one spills to a file
    app, (status, _, body) = serve(posted(sum(map(len, pieces))), Protocol(pieces, pause=0.01))
    assert status == 200 and body == b"".join(pieces)
    assert app.environs[0]["CONTENT_LENGTH"] == str(len(body)) and app.environs[0]["wsgi.input_terminated"]


def test_a_body_that_takes_too_long_is_refused_and_never_reaches_the_app():
    app, (status, headers, body) = serve(posted(100), Protocol([b"a"] * 100, pause=0.05), body_seconds=0.5)
    assert status == 408 and b"longer than 0.5 seconds" in body and headers["connection"] == "close"
    assert app.environs == []


def test_a_body_that_stops_coming_is_refused_after_the_deadline():
    app, (status, _, _) = serve(posted(10), Protocol([b"a"], pause=None), body_seconds=0.2)
    assert status == 408 and app.environs == []


def test_a_body_cut_short_never_reaches_the_app():
    app, (status, _, _) = serve(posted(100), Protocol([b"username=ada"]))
    assert status == 400 and app.environs == []


def test_a_chunked_body_is_refused_unread():
    protocol = Protocol([b"a=b"])
    app, (status, _, body) = serve(scope("POST", "/login", {"transfer-encoding": "chunked"}), protocol)
    assert status == 411 and b"Content-Length" in body and app.environs == [] and not protocol.body_read


def test_a_body_larger_than_any_form_is_left_unread_for_the_app_to_refuse():
    protocol = Protocol([b"a"], pause=None)  # reading it would wait for ever
    app, (status, _, body) = serve(posted(2048), protocol, biggest=1024)
    assert not protocol.body_read and app.environs[0]["CONTENT_LENGTH"] == "2048" and body == b""


def test_a_request_without_a_body_is_not_waited_for():
    protocol = Protocol([b"a"], pause=None)
    app, (status, _, _) = serve(scope(), protocol)
    assert status == 200 and not protocol.body_read


def test_the_environ_is_what_a_wsgi_server_gives():
    request = scope("GET", "/u/élève", {"cookie": ["a=1", "b=2"], "x-forwarded-for": "9.9.9.9",
                                        "x_forwarded_for": "6.6.6.6", "accept": ["text/html", "*/*"]},
                    client="[::1]:41000")
    environ = wsgi_environ(request, io.BytesIO())
    assert environ["PATH_INFO"] == "/u/élève".encode().decode("latin-1")  # PEP 3333's bytes-as-latin-1
    assert environ["HTTP_COOKIE"] == "a=1; b=2" and environ["HTTP_ACCEPT"] == "text/html,*/*"
    assert environ["HTTP_X_FORWARDED_FOR"] == "9.9.9.9"  # the underscored look-alike is dropped
    assert environ["REMOTE_ADDR"] == "::1" and environ["SERVER_PORT"] == "8000"

