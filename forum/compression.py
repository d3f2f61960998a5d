"""Text answers gzip-compressed for browsers that accept it, when no proxy in front does it (a page
is 55–70 KiB of HTML; gzip makes it a fifth of that), except answers that carry secrets.

Which answers: 200s of a text type (HTML, CSS, JavaScript, JSON, XML, SVG) of at least SMALLEST
bytes, to a GET (or a HEAD, answered as its GET without the body) from a client whose Accept-Encoding takes gzip; they say `Vary: Accept-Encoding`,
and a strong ETag becomes weak (W/"…"), as nginx does, since the bytes differ from the plain ones.

Never compressed: anything rendered for a signed-in member, and any page that rendered a CSRF token
(a guest's sign-in or registration form). This is BREACH: a page that is compressed, holds a secret
and reflects text an attacker chose (a search term, a post, a name in a link) lets an attacker who
can see the encrypted lengths guess the secret a character at a time, as a member's browser loads
the page again and again. The forum's members' pages hold both — the CSRF token (in every page's
htmx headers and in every form) and private text (notifications, drafts, email addresses) — so they go
uncompressed: masking the token per answer would guard it, but not the private text. Guests' pages
without a token hold nothing that is not public, and static files hold nothing at all. A view that
shows a signed-out visitor something private (and so would be compressed) calls `keep_plain()`.

Guests' pages kept by the page cache (forum/page_cache.py) are compressed once, when they are kept,
into a `GzipTemplate`: compressed pieces with a hole wherever the page's CSP nonce was, filled for
each answer with a fresh nonce as a stored (uncompressed) deflate block. An answer from memory then
costs a CRC of the page (tens of microseconds) rather than a compression (milliseconds). Static files
are compressed once per file version (their ETag) and kept in STATIC_BYTES of memory.
"""

import struct
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass

from flask import g, request
from flask_login import AnonymousUserMixin, current_user

TYPES = {"text/html", "text/css", "text/plain", "text/javascript", "text/xml", "application/javascript",
         "application/json", "application/xml", "application/atom+xml", "image/svg+xml"}
SMALLEST = 1024  # bytes: below this, gzip's saving is smaller than a packet
LEVEL = 6  # zlib's default: level 9 makes pages a percent smaller for twice the time
STATIC_BYTES = 8 * 1024 * 1024  # compressed static files kept per worker (the least recently used go first)
# In the WSGI environ: set by Flask when the answer may be compressed (the middleware does the rest),
# and by the page cache when it has compressed this answer already.
MAY_COMPRESS = "forum.compression.may"
COMPRESSED = "forum.compression.body"
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # no name, no time, unknown OS


def register(app):
    """Compress what may be compressed. Register it after the page cache, so that it wraps it: the
    cache answers compressed on its own, and is given plain pages to keep."""
    app.after_request(_mark)
    app.wsgi_app = Compress(app.wsgi_app)


def keep_plain() -> None:
    """This answer holds something private though nobody is signed in: never compress it."""
    g.compression_kept_plain = True


def _mark(response):
    if (response.status_code == 200 and response.mimetype in TYPES and "Content-Encoding" not in response.headers
            and (request.endpoint == "static" or _holds_no_secret())):
        response.vary.add("Accept-Encoding")
        request.environ[MAY_COMPRESS] = True
    return response


def _holds_no_secret() -> bool:
    """Rendered for nobody in particular: no member signed in, no CSRF token in the page. (The member
    is told by their class, not by an attribute: the page's last write has expired the row, and reading
    one would load it again.)"""
    visitor = g.get("_login_user") or current_user._get_current_object()  # Flask-Login keeps it in g
    return (isinstance(visitor, AnonymousUserMixin) and "csrf_token" not in g
            and not g.get("compression_kept_plain", False))


def accepts_gzip(environ) -> bool:
    """Whether the client's Accept-Encoding takes gzip (by name or as *, with a q above 0)."""
    wanted = {}
    for item in environ.get("HTTP_ACCEPT_ENCODING", "").lower().split(","):
        name, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        wanted[name.strip()] = quality
    return wanted.get("gzip", wanted.get("x-gzip", wanted.get("*", 0.0))) > 0


def gzip(body: bytes) -> bytes:
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(body) + compressor.flush()


@dataclass(frozen=True)
class GzipTemplate:
    """A body compressed once, with holes where a short text (the CSP nonce) goes in each answer."""

    pieces: tuple[bytes, ...]  # raw deflate; a hole between each two
    plain: tuple[memoryview, ...]  # the uncompressed text between the holes, for the CRC
    length: int  # of the plain text, holes not counted

    @classmethod
    def of(cls, body: bytes, hole: bytes) -> "GzipTemplate":
        """Compress `body` with a hole wherever `hole` occurs. Each piece ends in a full flush: the
        compressed data after a hole never refers back to text before it."""
        compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
        view, plain, pieces, start = memoryview(body), [], [], 0
        while (at := body.find(hole, start)) != -1:
            plain.append(view[start:at])
            pieces.append(compressor.compress(view[start:at]) + compressor.flush(zlib.Z_FULL_FLUSH))
            start = at + len(hole)
        plain.append(view[start:])
        pieces.append(compressor.compress(view[start:]) + compressor.flush(zlib.Z_FINISH))
        return cls(tuple(pieces), tuple(plain), len(body) - len(hole) * (len(plain) - 1))

    @property
    def size(self) -> int:
        return sum(map(len, self.pieces))

    def fill(self, text: bytes) -> bytes:
        """The gzip body with `text` in every hole (as a stored block: a header of 5 bytes, then the text)."""
        stored = b"\x00" + struct.pack("<HH", len(text), 0xFFFF ^ len(text)) + text
        crc = zlib.crc32(self.plain[0])
        for part in self.plain[1:]:
            crc = zlib.crc32(part, zlib.crc32(text, crc))
        length = self.length + len(text) * (len(self.plain) - 1)
        return GZIP_HEADER + stored.join(self.pieces) + struct.pack("<II", crc, length & 0xFFFFFFFF)


def gzip_headers(headers, length: int) -> list[tuple[str, str]]:
    """`headers` for the compressed body: its length, its encoding, and a weak ETag."""
    answer = [(name, weak(value) if name.lower() == "etag" else value)
              for name, value in headers if name.lower() != "content-length"]
    return answer + [("Content-Encoding", "gzip"), ("Content-Length", str(length))]


def weak(etag: str) -> str:
    return etag if etag.startswith("W/") else "W/" + etag


class Compress:
    """WSGI middleware: gzip the answers Flask marked (MAY_COMPRESS) for clients that accept it."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self._static: OrderedDict[tuple, bytes] = OrderedDict()
        self._static_bytes = 0
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "HEAD":
            return self._head(environ, start_response)
        return self._get(environ, start_response)

    def _head(self, environ, start_response):
        """A HEAD is answered as its GET is, body left out: the same headers (Content-Encoding, the
        compressed Content-Length, the page cache's), as HTTP asks. Flask would answer a HEAD itself, but
        uncompressed and never from the page cache, which both wait for a GET."""
        environ["REQUEST_METHOD"] = "GET"
        try:
            chunks = self._get(environ, start_response)
            try:
                for _ in chunks:  # run it to its end (a generator's work is done as it is read)
                    pass
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()
        finally:
            environ["REQUEST_METHOD"] = "HEAD"  # as it came: the request log says HEAD
        return []

    def _get(self, environ, start_response):
        if environ["REQUEST_METHOD"] != "GET" or not accepts_gzip(environ):
            return self.wsgi_app(environ, start_response)
        held = {}

        def hold_if_compressible(status, headers, exc_info=None):
            if (MAY_COMPRESS in environ and status.startswith("200 ") and exc_info is None
                    and not any(name.lower() == "content-encoding" for name, _ in headers)):
                held.update(status=status, headers=headers)
                return held.setdefault("written", []).append
            return start_response(status, headers, exc_info)

        chunks = self.wsgi_app(environ, hold_if_compressible)
        if not held:
            return chunks
        try:
            body = b"".join([*held.get("written", []), *chunks])
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        if len(body) < SMALLEST:
            start_response(held["status"], held["headers"])
            return [body]
        compressed = self._compress(environ, held["headers"], body)
        start_response(held["status"], gzip_headers(held["headers"], len(compressed)))
        return [compressed]

    def _compress(self, environ, headers, body: bytes) -> bytes:
        """gzip `body`; a static file's once per version (its path and ETag)."""
        if (ready := environ.get(COMPRESSED)) is not None:
            return ready
        etag = next((value for name, value in headers if name.lower() == "etag"), None)
        if etag is None or not environ.get("PATH_INFO", "").startswith("/static/"):
            return gzip(body)
        key = (environ["PATH_INFO"], etag)
        with self._lock:
            if (kept := self._static.get(key)) is not None:
                self._static.move_to_end(key)
                return kept
        compressed = gzip(body)
        with self._lock:
            if key not in self._static:
                self._static[key] = compressed
                self._static_bytes += len(compressed)
            while self._static_bytes > STATIC_BYTES:
                _, oldest = self._static.popitem(last=False)
                self._static_bytes -= len(oldest)
        return compressed
