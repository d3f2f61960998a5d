"""Text answers are gzip-compressed for clients that accept it (forum/compression.py): guests' pages,
from the page cache too without compressing them again, and static files — never an answer that
holds a CSRF token or a member's page (BREACH)."""

import gzip
import http.client
import re
import secrets
import zlib

import pytest

from forum import compression, create_app
from forum.extensions import db
from forum.compression import GzipTemplate, accepts_gzip
from forum.page_cache import HEADER
from tests.app_servers import MakeRun
from tests.conftest import test_config
from tests.factories import make_thread, make_user

GZIP = {"Accept-Encoding": "gzip, deflate, br, zstd"}


@pytest.fixture
def thread():
    return make_thread(title="Squeezed", body="Words that repeat, words that repeat. " * 40)


def address(thread) -> str:
    return f"/t/{thread.id}-{thread.slug}"


def nonce(response) -> str:
    return re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)


def unzipped(response) -> str:
    assert response.headers["Content-Encoding"] == "gzip"
    assert int(response.headers["Content-Length"]) == len(response.data)
    return gzip.decompress(response.data).decode()  # checks the CRC and the length as well


def test_a_guest_page_is_compressed_and_says_it_varies(client, thread):
    plain = client.get(address(thread))
    squeezed = client.get(address(thread), headers=GZIP)
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"] and "Accept-Encoding" in squeezed.headers["Vary"]
    assert len(squeezed.data) < len(plain.data) / 3
    assert unzipped(squeezed).replace(nonce(squeezed), "") == plain.text.replace(nonce(plain), "")


def test_answers_from_the_page_cache_are_compressed_once_with_a_fresh_nonce_each(client, thread, monkeypatch):
    first = client.get(address(thread), headers=GZIP)
    assert first.headers[HEADER] == "miss" and unzipped(first).count(f'nonce="{nonce(first)}"') == 3

    def no_compressing(*args, **kwargs):
        raise AssertionError("an answer from memory compressed the page again")

    monkeypatch.setattr(zlib, "compressobj", no_compressing)
    answers = [client.get(address(thread), headers=GZIP) for _ in range(2)]
    assert [answer.headers[HEADER] for answer in answers] == ["hit", "hit"]
    assert len({nonce(answer) for answer in [first, *answers]}) == 3
    for answer in answers:
        page = unzipped(answer)
        assert page.count(f'nonce="{nonce(answer)}"') == 3 and "Squeezed" in page
    assert client.get(address(thread)).headers[HEADER] == "hit"  # plain, from the same kept page


def test_a_template_fills_every_hole_and_keeps_a_valid_stream():
    body = b"HOLE<script nonce=HOLE></script>" * 3 + b"lorem ipsum dolor " * 500 + b"HOLE"
    template = GzipTemplate.of(body, b"HOLE")
    for text in (b"first-nonce-0123456789", b"x", b""):
        assert gzip.decompress(template.fill(text)) == body.replace(b"HOLE", text)
    assert template.size < len(body) / 10
    assert gzip.decompress(GzipTemplate.of(b"no hole at all", b"HOLE").fill(b"x")) == b"no hole at all"


@pytest.mark.parametrize("header, expected", [
    ("gzip", True), ("deflate, gzip;q=0.5", True), ("*", True), ("br;q=1.0, gzip;q=0", False),
    ("identity", False), ("", False), ("*;q=0", False), ("GZIP", True)])
def test_accept_encoding_is_honoured(header, expected):
    assert accepts_gzip({"HTTP_ACCEPT_ENCODING": header}) is expected


def test_a_client_that_refuses_gzip_gets_plain_text(client, thread):
    for header in ("gzip;q=0", "identity"):
        answer = client.get(address(thread), headers={"Accept-Encoding": header})
        assert "Content-Encoding" not in answer.headers and "Squeezed" in answer.text


def test_a_members_page_is_never_compressed(client, thread):
    client.sign_in(make_user())
    answer = client.get(address(thread), headers=GZIP)
    assert answer.status_code == 200 and "Content-Encoding" not in answer.headers
    assert 'name="csrf_token"' in answer.text or "X-CSRFToken" in answer.text
    assert "Accept-Encoding" not in answer.headers.get("Vary", "")


def test_a_guests_page_with_a_csrf_token_is_never_compressed(client):
    answer = client.get("/login", headers=GZIP)
    assert answer.status_code == 200 and 'name="csrf_token"' in answer.text
    assert "Content-Encoding" not in answer.headers


def test_a_page_a_view_keeps_plain_is_not_compressed(app, client):
    @app.get("/private-for-a-guest")
    def private():
        compression.keep_plain()
        return "<!doctype html><title>x</title>" + "secret " * 500

    assert "Content-Encoding" not in client.get("/private-for-a-guest", headers=GZIP).headers


def test_static_files_are_compressed_once_per_version_with_a_weak_etag(client, monkeypatch):
    first = client.get("/static/css/forum.css", headers=GZIP)
    assert first.status_code == 200 and "Accept-Encoding" in first.headers["Vary"]
    css = unzipped(first)
    with client.get("/static/css/forum.css") as plain:  # a file answered as it is: closed by whoever reads it
        assert css == plain.text
    assert first.headers["ETag"].startswith('W/"')
    monkeypatch.setattr(compression, "gzip", lambda body: pytest.fail("compressed again"))
    again = client.get("/static/css/forum.css", headers=GZIP)
    assert unzipped(again) == css
    with client.get("/static/css/forum.css", headers={**GZIP, "If-None-Match": first.headers["ETag"]}) as unchanged:
        assert unchanged.status_code == 304


def test_small_answers_are_left_plain(client):
    answer = client.get("/robots.txt", headers=GZIP)
    assert len(answer.data) < compression.SMALLEST and "Content-Encoding" not in answer.headers


def test_feeds_and_the_sitemap_are_compressed(client, thread):
    for url in ("/feeds/latest.atom", "/sitemap.xml"):
        plain, squeezed = client.get(url), client.get(url, headers=GZIP)
        if len(plain.data) >= compression.SMALLEST:
            assert unzipped(squeezed) == plain.text


def test_the_forum_as_make_run_serves_it_compresses_pages_from_memory_too(tmp_path):
    """Through granian's RSGI front (forum/serving.py), as `make run` starts it."""
    url = f"sqlite:///{tmp_path / 'forum.sqlite3'}"
    app = create_app(test_config(url))
    with app.app_context():
        db.create_all()
        thread = make_thread(title="Served squeezed", body="Said again and again. " * 50)
        path = address(thread)
        db.engine.dispose()
    server = MakeRun(tmp_path / "served", {"FORUM_DATABASE_URL": url, "FORUM_SECRET_KEY": secrets.token_hex(32)})
    try:
        server.wait_until_serving()
        answers = []
        for _ in range(2 * server.workers + 1):  # each worker renders once, then answers from memory
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            connection.request("GET", path, headers=GZIP)
            answer = connection.getresponse()
            answers.append((answer.getheader(HEADER), answer.getheader("Content-Encoding"), answer.read()))
            connection.close()
    finally:
        server.stop()
    assert any(cache == "hit" for cache, _, _ in answers)
    for _, encoding, body in answers:
        assert encoding == "gzip" and "Served squeezed" in gzip.decompress(body).decode()


PER_ANSWER = {"Content-Security-Policy", "Server-Timing", HEADER, "X-Request-ID"}


def same_headers(head, get, differ=frozenset()) -> None:
    """A HEAD says what its GET says: every header, the encoding and the compressed length too."""
    assert head.status_code == get.status_code == 200 and head.data == b""
    assert sorted(head.headers.keys()) == sorted(get.headers.keys())
    assert {k: v for k, v in head.headers.items() if k not in PER_ANSWER | differ} == \
        {k: v for k, v in get.headers.items() if k not in PER_ANSWER | differ}


def test_a_head_of_a_cached_page_says_what_its_get_says(client, thread):
    first = client.head(address(thread), headers=GZIP)  # rendered, and kept
    assert first.headers[HEADER] == "miss" and first.headers["Content-Encoding"] == "gzip"
    kept = client.head(address(thread), headers=GZIP)
    assert kept.headers[HEADER] == "hit"
    same_headers(kept, client.get(address(thread), headers=GZIP))
    same_headers(client.head("/", headers=GZIP), client.get("/", headers=GZIP))
    same_headers(client.head(address(thread)), client.get(address(thread)))  # plain, for a client without gzip
    assert "Content-Encoding" not in client.head(address(thread)).headers


def test_a_head_of_a_page_the_cache_leaves_out_says_what_its_get_says(client, thread):
    url = "/search?q=words"
    get = client.get(url, headers=GZIP)
    assert HEADER not in get.headers and get.headers["Content-Encoding"] == "gzip"
    head = client.head(url, headers=GZIP)
    # compressed afresh, each with its own nonce: the lengths may differ by a byte or two
    same_headers(head, get, differ={"Content-Length"})
    assert abs(int(head.headers["Content-Length"]) - int(get.headers["Content-Length"])) < 16
    with client.get("/static/css/forum.css", headers=GZIP) as css:
        with client.head("/static/css/forum.css", headers=GZIP) as head:
            same_headers(head, css)
