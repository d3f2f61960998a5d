"""How granian serves the forum (`make run`, README "Deploying"): the app is given whole requests only.

Under granian's WSGI interface a request takes one of a worker's few threads as soon as its headers
are in, and holds it while the app waits for the body: a dozen clients that declared a large
Content-Length and sent a byte a second held every thread, and no guest got an answer. Here granian's
own interface (RSGI) hands each request to the worker's event loop, which waits for the body at no
cost but its bytes, for at most REQUEST_BODY_SECONDS, and only then gives the whole request to one of
APP_THREADS threads that run the Flask app. Slow headers never get this far: granian closes a
connection whose headers take longer than its --http1-header-read-timeout (30 s by default).
"""

import asyncio
import queue
import sys
import tempfile
import threading

from . import create_app

# A body waits in memory up to this size and in a temporary file beyond it, as nginx keeps them, so
# that hundreds of half-sent uploads cannot fill a worker's memory.
IN_MEMORY_BYTES = 64 * 1024
SPECIAL_HEADERS = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}


def create_server():
    """granian's --factory target: the forum, given whole requests."""
    app = create_app()
    config = app.config
    return WholeRequests(app, threads=config["APP_THREADS"], body_seconds=config["REQUEST_BODY_SECONDS"],
                         largest_body=largest_body(config))


def largest_body(config) -> int:
    """The largest body any form accepts: the picture upload's (see account/views/profile.py), or
    MAX_CONTENT_LENGTH if that is larger."""
    return max(config["MAX_CONTENT_LENGTH"], 2 * config["AVATAR_MAX_BYTES"] + 64 * 1024)


class WholeRequests:
    """An RSGI app that receives each request's body in full, then runs a WSGI app on it in a thread."""

    def __init__(self, wsgi_app, threads: int, body_seconds: float, largest_body: int):
        self.wsgi_app, self.body_seconds, self.largest_body = wsgi_app, body_seconds, largest_body
        # A plain queue and call_soon_threadsafe: half the hand-over cost of loop.run_in_executor. The
        # threads are daemons so that a worker stopped before it served (no __rsgi_del__) still exits.
        self.requests = queue.SimpleQueue()
        self.threads = [threading.Thread(target=self._serve, name=f"app-{n}", daemon=True)
                        for n in range(threads)]
        for thread in self.threads:
            thread.start()

    def __rsgi_del__(self, loop):
        """granian is stopping the worker: let each thread finish its request, then end."""
        for _ in self.threads:
            self.requests.put(None)
        for thread in self.threads:
            thread.join()

    async def __rsgi__(self, scope, protocol):
        # No browser sends a form chunked, and a chunked body cut short could not be told from a whole one.
        if "transfer-encoding" in scope.headers:
            return refuse(protocol, 411, "Send the request body with a Content-Length.")
        length = int(scope.headers.get("content-length", 0))  # granian has refused a malformed one
        with tempfile.SpooledTemporaryFile(IN_MEMORY_BYTES) as body:
            # A body larger than any form takes is left unread: the app answers 413 from its length alone.
            if 0 < length <= self.largest_body:
                try:
                    async with asyncio.timeout(self.body_seconds):
                        async for chunk in protocol:
                            body.write(chunk)
                except TimeoutError:
                    seconds = self.body_seconds
                    return refuse(protocol, 408, f"The request body took longer than {seconds} seconds.")
                if body.tell() < length:  # the client went away mid-body: there is nothing to act on
                    return refuse(protocol, 400, "The request body ended early.")
                body.seek(0)
            answer = asyncio.get_running_loop().create_future()
            self.requests.put((answer, wsgi_environ(scope, body)))
            status, headers, content = await answer
        protocol.response_bytes(status, headers, content)

    def _serve(self):
        """One of the threads: run the app on each request handed over, and hand its answer back."""
        while (request := self.requests.get()) is not None:
            answer, environ = request
            try:
                settle = (answer.set_result, self.respond(environ))
            except Exception as error:  # granian logs it and answers 500, as for any failing app
                settle = (answer.set_exception, error)
            answer.get_loop().call_soon_threadsafe(_unless_cancelled, answer, *settle)

    def respond(self, environ) -> tuple[int, list, bytes]:
        """Run the WSGI app: the status code, headers and body it answers."""
        started, written = [], []

        def start_response(status, headers, exc_info=None):
            started[:] = [int(status.split(" ", 1)[0]), headers]
            return written.append

        chunks = self.wsgi_app(environ, start_response)
        try:
            written.extend(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        return started[0], started[1], b"".join(written)


def _unless_cancelled(answer, settle, value) -> None:
    if not answer.cancelled():  # granian gave up on the request (the worker is stopping)
        settle(value)


def refuse(protocol, status: int, reason: str) -> None:
    """Answer before the app sees the request, and end the connection: its body was not read."""
    protocol.response_str(status, [("content-type", "text/plain; charset=utf-8"), ("connection", "close")],
                          reason + "\n")


def wsgi_environ(scope, body) -> dict:
    """The WSGI environ that granian's WSGI interface would build for this request, given its body."""
    server, _, server_port = scope.server.rpartition(":")
    environ = {
        "REQUEST_METHOD": scope.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": scope.path.encode().decode("latin-1"),  # PEP 3333: the path's bytes as latin-1
        "QUERY_STRING": scope.query_string,
        "SERVER_NAME": server.strip("[]"),
        "SERVER_PORT": server_port,
        "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
        "REMOTE_ADDR": scope.client.rpartition(":")[0].strip("[]"),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.scheme,
        "wsgi.input": body,
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name in scope.headers.keys():
        if "_" in name:  # X_Forwarded_For would pass for X-Forwarded-For once both are HTTP_X_FORWARDED_FOR
            continue
        values = scope.headers.get_all(name)
        environ[SPECIAL_HEADERS.get(name) or "HTTP_" + name.upper().replace("-", "_")] = (
            "; " if name == "cookie" else ",").join(values)
    if "HTTP_HOST" not in environ and scope.authority:  # HTTP/2 names the host in :authority
        environ["HTTP_HOST"] = scope.authority
    return environ
