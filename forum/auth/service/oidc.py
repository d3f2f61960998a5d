"""Signing in with an OpenID Connect identity provider (a publisher's Keycloak, Auth0, Entra ID…): the
authorization code flow with PKCE, through Authlib, and the member found or made by the shared rules of
external.sign_in_external (issuer = the provider's issuer URL, subject = its `sub`).

The settings (forum/settings.py, README "Signing in with an identity provider"): OIDC_ENABLED, OIDC_ISSUER,
OIDC_CLIENT_ID and OIDC_NAME are site settings; the client secret is configuration only
(OIDC_CLIENT_SECRET, FORUM_OIDC_CLIENT_SECRET), never shown.

What is checked, and why each matters:

- The provider's metadata comes from {issuer}/.well-known/openid-configuration, and its `issuer` must be
  the configured one exactly (OpenID Connect Discovery 4.3): a document that names another issuer is
  refused. Metadata and keys are kept METADATA_SECONDS per worker; an unknown key id fetches the keys
  again, so a provider may rotate its keys (an ID token comes only from the provider's token endpoint,
  in answer to the forum's own request: nobody else can make the forum fetch them).
- `state` ties the provider's answer to the browser that began the sign-in (it lives in that browser's
  signed session cookie, with the nonce and the PKCE verifier) and is used once: the pending sign-in is
  taken out of the session before anything else is checked, so a replayed answer finds none.
- PKCE (S256) binds the code to this browser's verifier; the provider refuses a code used twice.
- The ID token: signed by a key of the provider's JWKS, with an algorithm the provider advertises among
  ALGORITHMS only (never `none`, never HMAC with a public key as the secret); `iss` the issuer, `aud` the
  client id (and `azp`, when present, too), not expired (LEEWAY_SECONDS of clock skew), and `nonce` the
  one this browser sent.
- The email address is passed on only when the provider says it is verified; it never finds a member.
"""

import base64
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oidc.core import CodeIDToken
from flask import current_app, session
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from ...models import User
from ...refusals import Malformed, Refusal
from ...settings import site_setting
from .external import sign_in_external

log = logging.getLogger("forum.auth")

SCOPE = "openid email profile"
# What the forum reads of the member; a provider that keeps some out of the ID token (the code flow lets
# it: OpenID Connect Core 5.4) is asked its userinfo endpoint for them.
PROFILE_CLAIMS = ("email", "email_verified", "name", "preferred_username")
MAX_NEXT = 1000  # characters of the address to come back to: the session cookie keeps it
ALGORITHMS = ("RS256", "ES256")  # what the forum accepts, of what the provider says it signs with
PENDING_KEY = "oidc_pending"
PENDING_SECONDS = 600  # a sign-in begun longer ago than this (the browser left at the provider) is void
PENDING_KEPT = 3  # sign-ins begun in other tabs of the same browser, kept side by side
METADATA_SECONDS = 300
LEEWAY_SECONDS = 60
MAX_ANSWER_TEXT = 200  # of a provider's error description shown back

START_AGAIN = "Please start again from the sign-in page."


class ProviderUnavailable(Refusal):
    """The provider could not be reached, or answered what is no valid answer: 502 (the forum is a
    gateway to it here), with the reason and a way to try again."""

    status = 502


class ProviderRefused(Refusal):
    """The provider said no (the member declined, the code was used or expired): 400, with its reason."""

    status = 400


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str | None
    name: str
    timeout: float


@dataclass(frozen=True)
class Identity:
    """What a verified ID token says of the member."""

    issuer: str
    subject: str
    email: str | None  # only a verified address
    name: str | None
    preferred_username: str | None


def provider(explain: bool = False) -> Provider | None:
    """The configured provider, or None when OpenID Connect sign-in is off or not set up (no issuer or
    client id: with `explain`, logged, so that an operator who turned it on learns why it is not offered)."""
    if not site_setting("OIDC_ENABLED"):
        return None
    issuer, client_id = site_setting("OIDC_ISSUER"), site_setting("OIDC_CLIENT_ID").strip()
    if not issuer or not client_id:
        if explain:
            log.warning("OpenID Connect sign-in is on but OIDC_ISSUER or OIDC_CLIENT_ID is empty: it is not offered")
        return None
    config = current_app.config
    return Provider(issuer=issuer, client_id=client_id, client_secret=config.get("OIDC_CLIENT_SECRET") or None,
                    name=site_setting("OIDC_NAME").strip() or "your account",
                    timeout=float(config.get("OIDC_TIMEOUT_SECONDS") or 5))


def button_name() -> str | None:
    """The provider's name for "Sign in with …", or None when there is no such button to show."""
    chosen = provider()
    return chosen.name if chosen else None


# --- Beginning: the address at the provider the browser is sent to ---------------------------------

def begin(chosen: Provider, redirect_uri: str, next_url: str) -> str:
    """Remember a new sign-in in this browser's session (state, nonce, PKCE verifier, where to go after)
    and return the provider's authorization address to send the browser to."""
    metadata = _metadata(chosen)
    state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    with _client(chosen, metadata, redirect_uri) as client:
        url, _ = client.create_authorization_url(metadata["authorization_endpoint"], state=state, nonce=nonce,
                                                 code_verifier=verifier)
    now = int(time.time())
    pending = {key: value for key, value in _pending().items() if now - value.get("at", 0) <= PENDING_SECONDS}
    next_url = next_url if len(next_url) <= MAX_NEXT else "/"
    pending[state] = {"nonce": nonce, "verifier": verifier, "next": next_url, "issuer": chosen.issuer,
                      "at": now}
    session[PENDING_KEY] = dict(sorted(pending.items(), key=lambda item: item[1]["at"])[-PENDING_KEPT:])
    return url


def _pending() -> dict:
    pending = session.get(PENDING_KEY)
    return pending if isinstance(pending, dict) else {}


# --- Finishing: the provider's answer at the callback ------------------------------------------------

def finish(chosen: Provider, args, redirect_uri: str) -> tuple[Identity, str]:
    """Check the provider's answer (the callback's query) and return who it vouches for and where the
    member was going. Raises a Refusal with the reason for anything wrong (see the module's docstring)."""
    state = args.get("state", "")
    pending = _take_pending(state)
    if pending is None:
        log.info("OpenID Connect sign-in refused: no sign-in begun in this browser has that state")
        raise Malformed("This sign-in was not begun in this browser, took too long, or was already used. "
                        + START_AGAIN)
    if pending["issuer"] != chosen.issuer:
        raise Malformed("The identity provider changed since this sign-in began. " + START_AGAIN)
    if error := args.get("error"):
        description = " ".join(args.get("error_description", "").split())[:MAX_ANSWER_TEXT]
        log.info("OpenID Connect sign-in: the provider answered %r (%s)", error[:50], description)
        if error == "access_denied":
            raise ProviderRefused(f"{chosen.name} did not sign you in{': ' + description if description else '.'} "
                                  "Nothing was changed here.")
        raise ProviderRefused(f"{chosen.name} refused the sign-in ({error[:50]}"
                              f"{': ' + description if description else ''}). " + START_AGAIN)
    code = args.get("code", "")
    if not code or len(code) > 2048:
        raise Malformed("The identity provider's answer carries no sign-in code. " + START_AGAIN)
    metadata = _metadata(chosen)
    tokens = _exchange(chosen, metadata, redirect_uri, code, pending["verifier"])
    claims = _verified_claims(chosen, metadata, tokens, pending["nonce"])
    if not all(name in claims for name in PROFILE_CLAIMS):
        info = _userinfo(chosen, metadata, tokens, claims["sub"])
        if "email" in claims:  # an address and its "verified" come from one answer, never one from each
            info.pop("email", None), info.pop("email_verified", None)
        claims = {**info, **claims}
    email = claims.get("email") if claims.get("email_verified") in (True, "true") else None
    identity = Identity(issuer=chosen.issuer, subject=claims["sub"], email=_text(email),
                        name=_text(claims.get("name")), preferred_username=_text(claims.get("preferred_username")))
    return identity, pending["next"]


def member_for(identity: Identity) -> User:
    """The member the provider's account is linked to, made on the first sign-in (external.py's rules:
    never found by email, a ban or suspension here refuses). Raises a Refusal (Forbidden) with the reason."""
    return sign_in_external(identity.issuer, identity.subject, identity.email,
                            identity.name or identity.preferred_username or "")


def _take_pending(state: str) -> dict | None:
    """The sign-in this browser began with `state`, taken out of the session (used once), or None."""
    pending = _pending()
    found = None
    for key in list(pending):
        if isinstance(state, str) and state and secrets.compare_digest(key.encode(), state.encode()):
            found = pending.pop(key)
    session[PENDING_KEY] = pending
    if not isinstance(found, dict) or time.time() - found.get("at", 0) > PENDING_SECONDS:
        return None
    return found


def _exchange(chosen: Provider, metadata: dict, redirect_uri: str, code: str, verifier: str) -> dict:
    try:
        with _client(chosen, metadata, redirect_uri) as client:
            tokens = client.fetch_token(metadata["token_endpoint"], grant_type="authorization_code", code=code,
                                        code_verifier=verifier, timeout=chosen.timeout)
    except OAuthError as error:
        log.info("OpenID Connect sign-in: the token endpoint refused the code (%s: %s)", error.error,
                 error.description)
        raise ProviderRefused(f"{chosen.name} did not accept the sign-in code ({str(error.error)[:50]}): it may "
                              "have been used already, or have expired. " + START_AGAIN) from None
    except (requests.RequestException, ValueError) as error:
        log.warning("OpenID Connect sign-in: the token endpoint did not answer usably: %s", error)
        raise _unavailable(chosen) from None
    if not isinstance(tokens.get("id_token"), str):
        raise ProviderUnavailable(f"{chosen.name} answered without an ID token, so the sign-in cannot be "
                                  "checked. " + START_AGAIN)
    return tokens


def _verified_claims(chosen: Provider, metadata: dict, tokens: dict, nonce: str) -> dict:
    """The ID token's claims, once its signature, algorithm, issuer, audience, expiry and nonce are right."""
    algorithms = metadata["algorithms"]
    try:
        try:
            token = _decode(tokens["id_token"], _keys(chosen, metadata), algorithms)
        except InvalidKeyIdError:  # a key the provider added since: read its keys again
            token = _decode(tokens["id_token"], _keys(chosen, metadata, again=True), algorithms)
        claims = CodeIDToken(token.claims, token.header, options={
            "iss": {"essential": True, "value": chosen.issuer},
            "aud": {"essential": True, "value": chosen.client_id},
            "sub": {"essential": True},
            "exp": {"essential": True},
            "iat": {"essential": True},
            "nonce": {"essential": True, "value": nonce},
        }, params={"nonce": nonce, "client_id": chosen.client_id, "access_token": tokens.get("access_token")})
        claims.validate(leeway=LEEWAY_SECONDS)
    except (JoseError, ValueError, TypeError, KeyError) as error:
        log.warning("OpenID Connect sign-in refused: the ID token from %s does not verify: %s: %s",
                    chosen.issuer, type(error).__name__, error)
        raise Malformed(f"The answer from {chosen.name} could not be verified, so you were not signed in. "
                        + START_AGAIN) from None
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 255:
        raise Malformed(f"The answer from {chosen.name} names no valid account. " + START_AGAIN)
    return dict(claims)


def _userinfo(chosen: Provider, metadata: dict, tokens: dict, subject: str) -> dict:
    """The profile claims the userinfo endpoint gives, when it names the same subject (Core 5.3.2); {} when
    there is no such endpoint or it does not answer usably (the sign-in goes on with the ID token's)."""
    address, access_token = metadata.get("userinfo_endpoint"), tokens.get("access_token")
    if not _is_web_address(address) or not isinstance(access_token, str):
        return {}
    try:
        answer = requests.get(address, timeout=chosen.timeout, headers={
            "Authorization": f"Bearer {access_token}", "Accept": "application/json"})
        answer.raise_for_status()
        info = answer.json()
    except (requests.RequestException, ValueError) as error:
        log.warning("OpenID Connect: the userinfo endpoint of %s did not answer usably: %s", chosen.issuer, error)
        return {}
    if not isinstance(info, dict) or info.get("sub") != subject:
        log.warning("OpenID Connect: the userinfo of %s names another subject than the ID token: ignored",
                    chosen.issuer)
        return {}
    return {name: info[name] for name in PROFILE_CLAIMS if name in info}


def _decode(id_token: str, keys: KeySet, algorithms: list[str]):
    header = _header_of(id_token)
    if header.get("alg") not in algorithms:  # `none`, HS256 or anything not advertised and accepted
        raise ValueError(f"the ID token is signed with {str(header.get('alg'))[:20]!r}, not one of {algorithms}")
    return jwt.decode(id_token, keys, algorithms=algorithms,
                      registry=JWSRegistry(algorithms=algorithms, strict_check_header=False))


def _header_of(id_token: str) -> dict:
    first = id_token.split(".", 1)[0]
    header = json.loads(base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)))
    if not isinstance(header, dict):
        raise ValueError("the ID token's header is no JSON object")
    return header


def _text(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


# --- The provider's metadata and keys, kept per worker -----------------------------------------------

_lock = threading.Lock()


def _kept() -> dict:
    return current_app.extensions.setdefault("oidc_providers", {})


def _metadata(chosen: Provider) -> dict:
    """The provider's discovery document, checked (see the module's docstring), with `algorithms`: the
    ones the forum accepts of those the provider advertises."""
    kept = _kept().get(chosen.issuer)
    if kept and time.monotonic() - kept["read_at"] < METADATA_SECONDS:
        return kept["metadata"]
    address = chosen.issuer.rstrip("/") + "/.well-known/openid-configuration"
    metadata = _fetch_json(chosen, address, "its discovery document")
    if metadata.get("issuer") != chosen.issuer:
        log.warning("OpenID Connect: %s names the issuer %r, not the configured %r", address,
                    metadata.get("issuer"), chosen.issuer)
        raise ProviderUnavailable(f"{chosen.name} describes itself as another issuer than the one this forum "
                                  "is set up for, so it is not trusted. The forum's administrators can correct "
                                  "the issuer address in the site settings.")
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not _is_web_address(metadata.get(name)):
            raise ProviderUnavailable(f"{chosen.name}'s description lacks its {name.replace('_', ' ')}, so the "
                                      "forum cannot sign you in with it.")
    advertised = metadata.get("id_token_signing_alg_values_supported") or []
    algorithms = [alg for alg in ALGORITHMS if alg in advertised]
    if not algorithms:
        log.warning("OpenID Connect: %s signs ID tokens with %r, none of %s", chosen.issuer, advertised, ALGORITHMS)
        raise ProviderUnavailable(f"{chosen.name} signs with none of the algorithms this forum accepts "
                                  f"({', '.join(ALGORITHMS)}).")
    metadata["algorithms"] = algorithms
    with _lock:
        _kept()[chosen.issuer] = {"metadata": metadata, "read_at": time.monotonic(), "keys": None}
    return metadata


def _keys(chosen: Provider, metadata: dict, again: bool = False) -> KeySet:
    kept = _kept().get(chosen.issuer) or {}
    if kept.get("keys") is not None and not again:
        return kept["keys"]
    document = _fetch_json(chosen, metadata["jwks_uri"], "its signing keys")
    try:
        keys = KeySet.import_key_set({"keys": [key for key in document.get("keys", []) if isinstance(key, dict)
                                               and key.get("kty") in ("RSA", "EC")]})
    except (JoseError, ValueError, TypeError) as error:
        log.warning("OpenID Connect: the keys at %s cannot be read: %s", metadata["jwks_uri"], error)
        raise ProviderUnavailable(f"{chosen.name}'s signing keys cannot be read. " + START_AGAIN) from None
    with _lock:
        kept["keys"] = keys
    return keys


def _fetch_json(chosen: Provider, address: str, what: str) -> dict:
    try:
        answer = requests.get(address, timeout=chosen.timeout, headers={"Accept": "application/json"})
        answer.raise_for_status()
        document = answer.json()
    except (requests.RequestException, ValueError) as error:
        log.warning("OpenID Connect: could not read %s of %s (%s): %s", what, chosen.issuer, address, error)
        raise _unavailable(chosen) from None
    if not isinstance(document, dict):
        raise _unavailable(chosen)
    return document


def _unavailable(chosen: Provider) -> ProviderUnavailable:
    return ProviderUnavailable(f"{chosen.name} cannot be reached just now, so you cannot sign in with it. "
                               "Please try again in a few minutes, or sign in with your password if you have one.")


def _is_web_address(value) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("https", "http") and bool(parts.hostname)


def _client(chosen: Provider, metadata: dict, redirect_uri: str) -> OAuth2Session:
    """Authlib's client for the code flow: PKCE with S256, the secret sent as the provider prefers (HTTP
    Basic unless it takes only a form field), or none for a public client."""
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if chosen.client_secret is None:
        method = "none"
    elif "client_secret_basic" not in methods and "client_secret_post" in methods:
        method = "client_secret_post"
    else:
        method = "client_secret_basic"
    return OAuth2Session(chosen.client_id, chosen.client_secret, scope=SCOPE, redirect_uri=redirect_uri,
                         code_challenge_method="S256", token_endpoint_auth_method=method)

