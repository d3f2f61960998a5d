"""The security baseline: CSRF everywhere, headers on every response, escaping, limits, redirects."""

import re
import stat

import pytest
from werkzeug.routing import IntegerConverter

from forum import config, create_app
from forum.extensions import db
from forum.models import Category, LoginSession, Post, Thread, User
from forum.security import safe_next
from tests.conftest import HTMX, ForumClient, test_config
from tests.factories import make_reply, make_thread, make_user


def row_counts():
    return [db.session.scalar(db.select(db.func.count()).select_from(m)) for m in (User, Category, Thread, Post)]


def state_changing_urls(app):
    """Every route that accepts POST, with its arguments filled in."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            args = {name: 1 if isinstance(conv, IntegerConverter) else "x"
                    for name, conv in rule._converters.items()}
            with app.test_request_context():
                urls.append(app.url_for(rule.endpoint, **args))
    return urls


def test_the_url_map_has_the_expected_state_changing_routes(app):
    urls = state_changing_urls(app)
    for expected in ("/register", "/login", "/logout", "/new", "/settings/password",
                     "/t/1/reply", "/p/1/edit", "/p/1/delete"):
        assert expected in urls


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_every_state_changing_route_refuses_a_missing_csrf_token(app, client, htmx):
    member = make_user()
    thread = make_thread(author=member)
    make_reply(thread, author=member)
    client.sign_in(member)
    before = row_counts()
    for url in state_changing_urls(app):
        response = client.post(url, data={"body": "x", "title": "xyz", "username": member.username},
                               headers=HTMX if htmx else {})
        assert response.status_code == 400, url
        assert "This page has expired" in response.text, url
        if htmx:
            assert response.headers["HX-Reswap"] == "none"
    assert row_counts() == before
    assert "Sign out" in client.get("/").text  # not even logout went through


def test_a_wrong_csrf_token_is_refused(client):
    member = make_user()
    thread = make_thread(author=member)
    client.sign_in(member)
    response = client.post(f"/t/{thread.id}/reply", data={"body": "x", "csrf_token": "forged"})
    assert response.status_code == 400


def security_headers_ok(response, nonce=None):
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for directive in ("frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"):
        assert directive in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    if nonce:
        assert f"'nonce-{nonce}'" in csp


def test_headers_on_pages_fragments_errors_redirects_and_static_files(client):
    thread = make_thread()
    page = client.get(f"/t/{thread.id}-{thread.slug}")
    nonce = re.search(r'<script nonce="([^"]+)"', page.text).group(1)
    security_headers_ok(page, nonce)
    for response in (
        client.get(f"/t/{thread.id}-{thread.slug}", headers=HTMX),
        client.get("/nowhere"),
        client.get("/nowhere", headers=HTMX),
        client.get(f"/t/{thread.id}"),
    ):
        security_headers_ok(response)
    with client.get("/static/css/forum.css") as static:
        security_headers_ok(static)


def test_nonce_changes_per_response(client):
    first = re.search(r'nonce="([^"]+)"', client.get("/").text).group(1)
    second = re.search(r'nonce="([^"]+)"', client.get("/").text).group(1)
    assert first != second


def test_csrf_header_is_inherited_by_htmx_requests(client):
    """A member's pages give every htmx request the token (guests' pages are shared: no token)."""
    client.sign_in(make_user())
    page = client.get("/").text
    assert re.search(r"<div id=\"page\" data-hx-headers:inherited='\{&#34;X-CSRFToken&#34;: &#34;[^&]+&#34;\}'>", page) \
        or re.search(r"<div id=\"page\" data-hx-headers:inherited='\{\"X-CSRFToken\": \"[^\"]+\"\}'>", page)


def test_csrf_header_alone_is_accepted(client):
    member = make_user()
    thread = make_thread(author=member)
    client.sign_in(member)
    token = client.csrf_token()
    response = client.post(f"/t/{thread.id}/reply", data={"body": "by header"},
                           headers={**HTMX, "X-CSRFToken": token})
    assert response.status_code == 201


def test_session_cookies_are_httponly_lax_and_secure_outside_local_dev(database_url, _schema):
    app = create_app(test_config(database_url, TESTING=False))
    with app.app_context():
        user = make_user()
        client = app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        response = client.post("/login", data={"csrf_token": token, "username": user.username,
                                                "password": "correct horse battery", "remember": "y"})
        cookies = response.headers.getlist("Set-Cookie")
        db.session.remove()
        with db.engine.begin() as connection:
            connection.execute(LoginSession.__table__.delete())
            connection.execute(User.__table__.delete())
        db.engine.dispose()
    assert response.status_code == 302
    assert len(cookies) == 3  # the session, remember-me, and known-device cookies
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


@pytest.mark.parametrize("target", [
    "//evil.example", "/\\evil.example", "https://evil.example/", "https:evil.example", "javascript:alert(1)",
    "\\\\evil.example", "/\t/evil.example", "/%0d%0aSet-Cookie:x", "", None, "evil", "http://localhost/",
])
def test_next_redirects_stay_on_this_site(target):
    result = safe_next(target)
    assert result in ("/", "/%0d%0aSet-Cookie:x")  # percent-encoded text stays a harmless path


@pytest.mark.parametrize("target", ["/", "/t/3-bridge?page=2", "/c/news#top"])
def test_next_keeps_local_paths(target):
    assert safe_next(target) == target


XSS = '<img src=x onerror=alert(1)>"\'><script>alert(2)</script>'


def test_user_text_is_escaped_everywhere_it_shows(client):
    author = make_user(display_name="Mallory <img src=x onerror=alert(1)>")
    thread = make_thread(author=author, title=f"Title {XSS}", body=f"Body {XSS}")
    make_reply(thread, author=author, body=XSS)
    for url in ("/", f"/t/{thread.id}-{thread.slug}", f"/c/{thread.category.slug}"):
        page = client.get(url).text
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    thread_page = client.get(f"/t/{thread.id}-{thread.slug}").text
    assert "<title>Title &lt;img src=x onerror=alert(1)&gt;" in thread_page


def test_rendered_posts_sit_inside_hx_ignore(client):
    thread = make_thread(body="hx-get='/logout'")
    page = client.get(f"/t/{thread.id}-{thread.slug}").text
    assert '<div class="post-body" data-hx-ignore><p>hx-get=\'/logout\'</p>\n</div>' in page


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_oversized_requests_get_413(client, htmx):
    member = make_user()
    thread = make_thread(author=member)
    client.sign_in(member)
    response = client.submit(f"/t/{thread.id}/reply", {"body": "x" * 300_000}, htmx=htmx)
    assert response.status_code == 413
    assert "too large" in response.text
    assert thread.post_count == 1


def test_no_stack_traces_on_unexpected_errors(app, client, monkeypatch):
    from forum.threads import service

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service, "latest_threads", explode)
    monkeypatch.setattr(app.logger, "disabled", True)  # the "forum" logger is shared by every later test
    response = client.get("/")
    assert response.status_code == 500
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert "Something went wrong on our side" in response.text


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = config._instance_secret(tmp_path)
    assert len(first) >= 64 and first == config._instance_secret(tmp_path)
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert config._instance_secret(tmp_path / "elsewhere") != first


def test_environment_overrides_configuration(monkeypatch, database_url):
    monkeypatch.setenv("FORUM_POSTS_PER_PAGE", "7")
    monkeypatch.setenv("FORUM_SITE_NAME", "Town Square")
    monkeypatch.setenv("FORUM_LOGIN_RATE_LIMIT", "3 per minute; 9 per hour")
    monkeypatch.setenv("FORUM_MAIL_STARTTLS", "true")
    app = create_app(test_config(database_url))
    assert app.config["POSTS_PER_PAGE"] == 7 and app.config["SITE_NAME"] == "Town Square"
    assert app.config["LOGIN_RATE_LIMIT"] == "3 per minute; 9 per hour" and app.config["MAIL_STARTTLS"] is True


# --- caching, cookie names and HSTS (issue 10, item 10) ----------------------------------------------

HTTPS = "https://localhost"


@pytest.fixture
def https_app(database_url, _schema):
    """The app as deployed behind HTTPS: Secure cookies (not TESTING, not LOCAL_HTTP), page cache on."""
    app = create_app(test_config(database_url, TESTING=False, PAGE_CACHE_SECONDS=30))
    app.test_client_class = ForumClient  # a clean `g` for each request, as in a real server
    with app.app_context():
        yield app
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()


def sign_in_over_https(client, member):
    """Sign in through the form over HTTPS (where the CSRF check also wants a same-site Referer)."""
    page = client.get("/login", base_url=HTTPS).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/login", base_url=HTTPS, headers={"Referer": f"{HTTPS}/login"},
                       data={"csrf_token": token, "username": member.username,
                             "password": "correct horse battery", "remember": "y"})


def test_over_https_the_cookies_are_host_only(https_app):
    client = https_app.test_client()
    response = sign_in_over_https(client, make_user())
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert sorted(cookie.split("=", 1)[0] for cookie in cookies) == [
        "__Host-known_device", "__Host-remember_token", "__Host-session"]
    for cookie in cookies:
        assert "Secure" in cookie and "; Path=/;" in cookie and "Domain=" not in cookie
    # The browser sends them back, and they are the ones the forum reads.
    assert "Sign out" in client.get("/settings", base_url=HTTPS).text
    client.delete_cookie("__Host-session")
    assert "Sign out" in client.get("/settings", base_url=HTTPS).text  # remembered


def test_over_plain_local_http_the_cookies_keep_their_plain_names(database_url):
    app = create_app(test_config(database_url, TESTING=False, LOCAL_HTTP=True))
    assert app.config["SESSION_COOKIE_NAME"] == "session"
    assert app.config.get("REMEMBER_COOKIE_NAME", "remember_token") == "remember_token"


def test_a_cookie_given_a_domain_is_left_as_configured(database_url):
    app = create_app(test_config(database_url, TESTING=False, SESSION_COOKIE_DOMAIN="example.org"))
    assert app.config["SESSION_COOKIE_NAME"] == "session"
    assert app.config["REMEMBER_COOKIE_NAME"] == "__Host-remember_token"


def test_the_guest_page_cache_knows_the_host_only_cookie_names(https_app):
    """A visitor who brings only the __Host- remember-me cookie is a member, never a cached guest."""
    thread = make_thread()
    url = f"/t/{thread.id}-{thread.slug}"
    guest = https_app.test_client()
    guest.get(url, base_url=HTTPS)
    assert guest.get(url, base_url=HTTPS).headers["X-Page-Cache"] == "hit"
    client = https_app.test_client()
    sign_in_over_https(client, make_user())
    client.delete_cookie("__Host-session")
    response = client.get(url, base_url=HTTPS)
    assert "X-Page-Cache" not in response.headers and "Sign out" in response.text


def test_hsts_over_https_and_not_over_plain_local_http(https_app, database_url):
    guest = https_app.test_client()
    for url in ("/", "/nowhere", "/static/css/forum.css"):
        with guest.get(url, base_url=HTTPS) as response:
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    local = create_app(test_config(database_url, TESTING=False, LOCAL_HTTP=True)).test_client()
    assert "Strict-Transport-Security" not in local.get("/login").headers
    assert local.get("/login", base_url="https://localhost").headers["Strict-Transport-Security"]


def test_hsts_when_the_proxy_says_the_visitor_came_over_https(database_url):
    app = create_app(test_config(database_url, LOCAL_HTTP=True, PROXY_HOPS=1))
    client = app.test_client()
    assert "Strict-Transport-Security" not in client.get("/login").headers
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_every_answer_to_a_signed_in_member_is_no_store(client):
    member = make_user()
    thread = make_thread(author=member)
    client.sign_in(member)
    for response in (client.get("/"), client.get(f"/t/{thread.id}-{thread.slug}"),
                     client.get(f"/t/{thread.id}-{thread.slug}", headers=HTMX), client.get("/settings"),
                     client.get("/notifications"), client.get("/notifications/count", headers=HTMX),
                     client.get("/nowhere"), client.get("/nowhere", headers=HTMX), client.get(f"/t/{thread.id}"),
                     client.submit(f"/t/{thread.id}/reply", {"body": "Hi."}),
                     client.submit(f"/t/{thread.id}/reply", {"body": "Hi again."}, htmx=True)):
        assert response.headers["Cache-Control"] == "no-store", response.request.path


def test_guests_pages_static_files_and_pictures_stay_cacheable(client):
    member = make_user()
    thread = make_thread(author=member)
    assert "no-store" not in client.get(f"/t/{thread.id}-{thread.slug}").headers.get("Cache-Control", "")
    client.sign_in(member)
    with client.get("/static/css/forum.css") as static:
        assert "no-store" not in static.headers.get("Cache-Control", "")
    assert client.get(f"/avatars/{member.id}.svg").headers["Cache-Control"] == "public, max-age=3600"
