"""Response headers every response carries, the CSP nonce, and safe redirect targets."""

import secrets
from urllib.parse import urlsplit

from flask import current_app, g, request
from flask_login import current_user

CSP = (
    "default-src 'self'; "
    "script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self'; "
    "img-src 'self' data:; "
    "form-action 'self'; "
    "object-src 'none'; "
    "base-uri 'none'; "
    "frame-ancestors 'none'"
)
# Browsers that saw the site over HTTPS refuse plain http to it (and its subdomains) for a year.
HSTS = "max-age=31536000; includeSubDomains"


def allow_framing_by(origins: list[str]) -> None:
    """Let this response be framed by pages of `origins` alone (checked origins, forum.settings.origin_of):
    the comments under a publisher's article (forum/embed/). Only the embed blueprint's routes may: on
    any other page it is ignored, and every other response refuses to be framed at all."""
    g.frame_ancestors = tuple(origins)


def frame_ancestors() -> str:
    """This response's CSP frame-ancestors sources: 'none', or the origins an embed route allowed."""
    allowed = g.get("frame_ancestors") if request.blueprint == "embed" else None
    return " ".join(allowed) if allowed else "'none'"


def csp_nonce() -> str:
    """The nonce of this response's Content-Security-Policy (one per request)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def add_headers(response):
    """Security headers on every response: pages, fragments, errors and static files."""
    ancestors = frame_ancestors()
    response.headers["Content-Security-Policy"] = CSP.format(nonce=csp_nonce()).replace(
        "frame-ancestors 'none'", f"frame-ancestors {ancestors}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    if ancestors == "'none'":  # X-Frame-Options cannot name an origin: framed pages rely on the CSP alone
        response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.is_secure or current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers["Strict-Transport-Security"] = HSTS
    if _private(response):
        response.headers["Cache-Control"] = "no-store"
    return response


def _private(response) -> bool:
    """True for an answer to a signed-in member: no cache (the browser's back-forward store, a shared
    proxy) may keep it, so nobody at the same computer after them or behind the same proxy sees it.
    Static files and what says it is the same for everyone (`public`, such as pictures) are exempt."""
    if request.endpoint == "static" or response.cache_control.public:
        return False
    try:
        return not current_user.is_anonymous  # not is_authenticated: that reads columns a commit expired
    except Exception:  # the member could not be loaded (the database is away, and says so): keep nothing
        return True


def safe_next(target: str | None, default: str = "/") -> str:
    """`target` if it is a path on this site, else `default`: no open redirects via ?next=."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ch in target for ch in "\\\r\n\t\x00") or any(ord(ch) < 32 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
