"""Signing in with an OpenID Connect identity provider: the button sends the browser to the provider,
which sends it back to the callback (forum/auth/service/oidc.py checks everything).

The button is a link (a GET), as /embed/go is: it changes nothing on the forum, only this browser's own
pending sign-in in its session cookie, and a form's POST could not be sent on to the provider — the CSP's
`form-action 'self'` makes browsers refuse a form submission that redirects to another site. A page that
starts a sign-in behind the reader's back gains nothing: the provider signs them in as themselves, and
the answer comes back to their own browser."""

from flask import abort, flash, redirect, request, url_for

from ...extensions import limiter
from ...htmx import render
from ...refusals import Refusal
from ...security import safe_next
from ...settings import site_setting
from ...templating import public_url
from .. import bp
from ..service import oidc, two_factor
from ..service.login import begin_second_step, sign_in

OFF = "Signing in with an identity provider is off on this forum. Sign in with your password instead."

bp.add_app_template_global(oidc.button_name, "oidc_button_name")


def _redirect_uri() -> str:
    """The callback's address, as it must be registered at the provider (README): at BASE_URL when set."""
    return public_url(url_for("auth.oidc_callback"))


def _refused(refusal: Refusal, next_url: str = ""):
    return render("auth/oidc_refused.html", message=refusal.message, next_url=next_url,
                  provider_down=refusal.status >= 500, retry=refusal.status != 403, status=refusal.status)


def _failed(response) -> bool:
    """A refused answer counts against the sign-in limit; a provider that is down (502) is nobody's guess."""
    return 400 <= response.status_code < 500


@bp.get("/login/oidc")
def oidc_start():
    """"Sign in with …": to the provider, with this sign-in's state, nonce and PKCE challenge."""
    chosen = oidc.provider(explain=True)
    if chosen is None:
        abort(404, OFF)
    next_url = safe_next(request.args.get("next"))
    try:
        return redirect(oidc.begin(chosen, _redirect_uri(), next_url))
    except Refusal as refusal:
        return _refused(refusal, next_url)


@bp.get("/login/oidc/callback")
@limiter.limit(lambda: site_setting("LOGIN_RATE_LIMIT"), deduct_when=_failed)
def oidc_callback():
    """The provider sends the browser back here: check its answer, then sign the member in."""
    chosen = oidc.provider()
    if chosen is None:
        abort(404, OFF)
    try:
        identity, next_url = oidc.finish(chosen, request.args, _redirect_uri())
        member = oidc.member_for(identity)
    except Refusal as refusal:
        return _refused(refusal)
    if member.totp_secret and not two_factor.browser_trusted(member):
        begin_second_step(member, False, next_url)  # the forum's own second step still holds
        return redirect(url_for("auth.second_step_form"))
    sign_in(member)
    flash(f"Signed in as {member.display_name}.", "success")
    return redirect(safe_next(next_url))
