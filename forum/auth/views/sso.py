"""Signing in and out with the publisher's accounts (forum/auth/service/sso.py; README "Signing readers in").

GET  /sso/jwt?token=…&return_to=/path   the top-level redirect: the publisher's sign-in sends the reader
                                        here; the forum's own session is set, then on to return_to.
POST /sso/jwt  token, csrf_token        the same from the comments frame (static/js/embed-frame.js, given
                                        the token by the host page with postMessage): JSON answers.
GET  /sso/logout?token=…&return_to=…    the publisher's sign-out signs the reader out here too; without a
                                        token, a page asks the reader to press "Sign out" (no GET signs out
                                        on another site's say-so alone).

return_to is a path on the forum (an embed page included); on sign-out, also an address on one of the
publisher's own sites (EMBED_ORIGINS, or SSO_LOGIN_URL's). Anything else goes to the home page.
"""

import logging
from urllib.parse import urlencode, urlsplit

from flask import flash, jsonify, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ...extensions import limiter
from ...limits import SSO_LIMIT
from ...htmx import render
from ...refusals import Refusal
from ...security import safe_next
from ...settings import origin_of, site_setting
from .. import bp
from ..service import devices, sso, two_factor
from ..service.external import has_password
from ..service.login import begin_second_step, sign_in, sign_out

log = logging.getLogger("forum.auth")


def return_path(raw: str | None, default: str = "/") -> str:
    """A same-site return_to as a path: a path on the forum, or a whole address on the forum's own origin.
    Never another site: //evil, https://evil, /\\evil and the like give `default`."""
    raw = (raw or "").strip()
    if raw.startswith(("http://", "https://")):
        own = origin_of(request.host_url)
        if origin_of(raw) is None or origin_of(raw) != own:
            return default
        parts = urlsplit(raw)
        raw = parts.path + (f"?{parts.query}" if parts.query else "")
    return safe_next(raw, default)


def publisher_return(raw: str | None) -> str | None:
    """return_to when it is an address on one of the publisher's own sites (after a sign-out)."""
    raw = (raw or "").strip()
    origin = origin_of(raw) if raw.startswith(("http://", "https://")) else None
    publishers = set(site_setting("EMBED_ORIGINS")) | {origin_of(site_setting("SSO_LOGIN_URL") or "")}
    if origin is None or origin not in publishers or any(ch in raw for ch in "\\\r\n\t\x00"):
        return None
    return raw


def sso_login_url(next_path: str | None = None) -> str:
    """The publisher's sign-in page, told where on the forum to come back to; '' when SSO is off or
    has no sign-in page."""
    base = sso.login_url()
    if not base:
        return ""
    back = return_path(next_path, "/")
    return base + ("&" if "?" in base else "?") + urlencode({"return_to": back})


# Template globals, as the other blueprints lend theirs: set once, not a context processor run at every render.
for _name, _function in (("sso_login_url", sso_login_url), ("has_password", has_password),
                         ("password_accounts", sso.password_accounts), ("sso_enabled", sso.enabled)):
    bp.add_app_template_global(_function, _name)


def _refused(refusal: Refusal, back: str):
    log.info("SSO sign-in refused (%s): %s", refusal.status, refusal.message)
    return render("auth/sso_refused.html", reason=refusal.message, back=back, status=refusal.status)


@bp.get("/sso/jwt")
@limiter.limit(SSO_LIMIT)
def sso_sign_in():
    """The publisher's sign-in comes back here with the reader's token: sign them in, then return_to."""
    back = return_path(request.args.get("return_to"))
    try:
        member = sso.member_for(request.args.get("token"))
    except Refusal as refused:
        return _refused(refused, back)
    if member.totp_secret and not two_factor.browser_trusted(member):
        begin_second_step(member, False, back)  # the forum's own second step still holds
        return redirect(url_for("auth.second_step_form"))
    sign_in(member)
    flash(f"Signed in as {member.display_name}.", "success")
    response = redirect(back)
    devices.remember(response, member)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/sso/jwt")
@limiter.limit(SSO_LIMIT)
def sso_sign_in_in_frame():
    """The comments frame's sign-in: the host page gave it the token (postMessage), it sends it here with
    its CSRF token. JSON: {"signed_in": name} or {"error": why}."""
    try:
        member = sso.member_for(request.form.get("token"))
    except Refusal as refused:
        log.info("SSO sign-in in a frame refused (%s): %s", refused.status, refused.message)
        return jsonify(error=refused.message), refused.status
    if member.totp_secret and not two_factor.browser_trusted(member):
        return jsonify(error="Your account asks for a two-factor code: sign in in a new window."), 403
    sign_in(member)
    response = jsonify(signed_in=member.display_name)
    devices.remember(response, member)
    return response


@bp.get("/sso/frame")
def sso_frame():
    """The CSRF token the comments frame sends its token with (a guest's frame page is cached for every
    guest, so it holds none). Only the forum's own pages can read the answer: no CORS."""
    if not sso.enabled():
        return jsonify(error="Signing in with the publisher's accounts is off."), 404
    response = jsonify(csrf_token=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/sso/logout")
@limiter.limit(SSO_LIMIT)
def sso_sign_out():
    """The publisher's sign-out: with a valid token, this browser is signed out at once and sent on to
    return_to (the forum, or the publisher's site); without one, a page offers the button."""
    raw_back = request.args.get("return_to")
    back = publisher_return(raw_back) or return_path(raw_back)
    token = request.args.get("token")
    if not token:
        if not current_user.is_authenticated:
            return redirect(back)
        return render("auth/sso_sign_out.html", back=back)
    try:
        sso.verify(token, purpose="sign-out")
    except Refusal as refused:
        return _refused(refused, return_path(raw_back))
    sign_out()
    return redirect(back)


@bp.post("/sso/logout")
def sso_sign_out_confirmed():
    """The button of /sso/logout's page (CSRF-checked like every form)."""
    raw_back = request.form.get("return_to")
    sign_out()
    flash("You are signed out.", "info")
    return redirect(publisher_return(raw_back) or return_path(raw_back))

