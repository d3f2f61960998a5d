"""A small OpenID Connect provider the tests start themselves on 127.0.0.1: discovery, JWKS, authorize and
token endpoints, signing ID tokens with a key generated when it starts. It keeps the rules a real one
keeps (a registered redirect URI, PKCE S256, a code used once, the client's secret) and can be told to
misbehave: claims changed, another key, `alg: none`, an error answer, other algorithms advertised."""

import base64
import hashlib
import json
import secrets
import threading
import time
from contextlib import contextmanager
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey
from werkzeug.serving import WSGIRequestHandler, make_server

CLIENT_ID = "forum-client"
CLIENT_SECRET = "a secret the provider gave the forum"
REDIRECT_URI = "http://localhost/login/oidc/callback"  # the test client's forum


def new_key(alg: str = "RS256", kid: str | None = None):
    """A signing key made now, with its key id (RS256: RSA 2048; ES256: P-256)."""
    parameters = {"kid": kid or secrets.token_hex(4), "use": "sig", "alg": alg}
    if alg == "ES256":
        return ECKey.generate_key("P-256", parameters=parameters)
    return RSAKey.generate_key(2048, parameters=parameters)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def s256(verifier: str) -> str:
    return b64(hashlib.sha256(verifier.encode()).digest())


class Provider:
    """The provider's state; what tests change to make it misbehave is listed in __init__."""

    def __init__(self, alg: str = "RS256", redirect_uri: str = REDIRECT_URI):
        self.alg = alg
        self.key = new_key(alg)
        self.redirect_uris = {redirect_uri}
        self.issuer = ""  # known once the server has its port
        # Who signs in at the authorize endpoint (the claims the ID token gives of them).
        self.user = {"sub": "user-1", "email": "ada@example.com", "email_verified": True,
                     "name": "Ada Lovelace", "preferred_username": "ada"}
        self.claims_changed: dict = {}  # put over the ID token's claims (None removes one)
        self.sign_with = None  # another key to sign with (not in the JWKS)
        self.unsigned = False  # `alg: none`
        self.hmac_secret: str | None = None  # HS256, with this secret (the client's, say)
        self.advertised_algs: list[str] | None = None  # id_token_signing_alg_values_supported
        self.issuer_advertised: str | None = None  # what discovery says the issuer is
        self.authorize_error: str | None = None  # the authorize endpoint answers this error
        self.profile_in_id_token = True  # False: the ID token names the subject only, userinfo the rest
        self.userinfo_changed: dict = {}  # put over the userinfo endpoint's answer
        self.access_tokens: dict[str, dict] = {}
        self.interactive = False  # the authorize endpoint shows a page with a button (browser tests)
        self.codes: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        self.discovery_reads = 0
        self.jwks_reads = 0

    # --- what the endpoints answer ---

    def discovery(self) -> dict:
        self.discovery_reads += 1
        return {
            "issuer": self.issuer_advertised if self.issuer_advertised is not None else self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/jwks",
            "userinfo_endpoint": self.issuer + "/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": self.advertised_algs or [self.alg],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "email", "profile"],
        }

    def jwks(self) -> dict:
        self.jwks_reads += 1
        return {"keys": [self.key.as_dict(private=False)]}

    def authorize(self, args) -> tuple[str, str]:
        """Check the request; the code and the address to send the browser back to."""
        if args.get("client_id") != CLIENT_ID or args.get("redirect_uri") not in self.redirect_uris:
            abort(400, "unknown client or redirect_uri")  # never redirect to an unregistered address
        back = args["redirect_uri"]
        if self.authorize_error:
            return "", back + "?" + urlencode({"error": self.authorize_error, "state": args.get("state", ""),
                                               "error_description": "The user said no."})
        if args.get("response_type") != "code" or args.get("code_challenge_method") != "S256" \
                or not args.get("code_challenge") or "openid" not in args.get("scope", "").split():
            return "", back + "?" + urlencode({"error": "invalid_request", "state": args.get("state", "")})
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"redirect_uri": back, "nonce": args.get("nonce"), "challenge": args["code_challenge"],
                            "user": dict(self.user), "used": False}
        return code, back + "?" + urlencode({"code": code, "state": args.get("state", "")})

    def token(self, form, authorization) -> tuple[dict, int]:
        self.token_requests.append({"form": dict(form), "basic": bool(authorization)})
        client_id = authorization.username if authorization else form.get("client_id")
        secret = authorization.password if authorization else form.get("client_secret")
        if client_id != CLIENT_ID or secret != CLIENT_SECRET:
            return {"error": "invalid_client"}, 401
        grant = self.codes.get(form.get("code", ""))
        if form.get("grant_type") != "authorization_code" or grant is None or grant["used"]:
            return {"error": "invalid_grant", "error_description": "unknown or used code"}, 400
        grant["used"] = True
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return {"error": "invalid_grant", "error_description": "redirect_uri"}, 400
        if s256(form.get("code_verifier", "")) != grant["challenge"]:
            return {"error": "invalid_grant", "error_description": "PKCE verifier"}, 400
        access_token = secrets.token_urlsafe(16)
        self.access_tokens[access_token] = grant["user"]
        return {"access_token": access_token, "token_type": "Bearer", "expires_in": 300,
                "id_token": self.id_token(grant)}, 200

    def id_token(self, grant: dict) -> str:
        now = int(time.time())
        user = grant["user"] if self.profile_in_id_token else {"sub": grant["user"]["sub"]}
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": grant["nonce"],
                  **user}
        claims.update(self.claims_changed)
        claims = {name: value for name, value in claims.items() if value is not None}
        if self.unsigned:
            return f"{b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{b64(json.dumps(claims).encode())}."
        if self.hmac_secret is not None:
            return jwt.encode({"alg": "HS256", "kid": self.key.kid}, claims, OctKey.import_key(self.hmac_secret))
        key = self.sign_with or self.key
        return jwt.encode({"alg": key.alg or self.alg, "kid": key.kid, "typ": "JWT"}, claims, key,
                          algorithms=[key.alg or self.alg])


def provider_app(provider: Provider) -> Flask:
    app = Flask("oidc_provider")

    @app.get("/.well-known/openid-configuration")
    def discovery():
        return jsonify(provider.discovery())

    @app.get("/jwks")
    def jwks():
        return jsonify(provider.jwks())

    @app.get("/authorize")
    def authorize():
        if provider.interactive:
            name = provider.user["name"]
            query = urlencode(request.args)
            return (f"<!doctype html><html lang=en><title>Daily Courier accounts</title>"
                    f"<main style='font:1.1rem system-ui;max-width:28rem;margin:3rem auto'>"
                    f"<h1>Daily Courier accounts</h1><p>Signed in as <b>{name}</b>.</p>"
                    f"<p>The forum asks to know who you are (your name and email address).</p>"
                    f"<form method=post action='/authorize?{query}'><button>Continue to the forum</button></form>"
                    f"</main></html>")
        return redirect(provider.authorize(request.args)[1])

    @app.post("/authorize")
    def approve():
        return redirect(provider.authorize(request.args)[1])

    @app.get("/userinfo")
    def userinfo():
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        user = provider.access_tokens.get(token) if scheme == "Bearer" else None
        if user is None:
            return jsonify({"error": "invalid_token"}), 401
        return jsonify({**user, **provider.userinfo_changed})

    @app.post("/token")
    def token():
        body, status = provider.token(request.form, request.authorization)
        return jsonify(body), status, {"Cache-Control": "no-store"}

    return app


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


@contextmanager
def running(provider: Provider | None = None, **options):
    """Serve a provider on 127.0.0.1 (a port of its own) from a thread; yields it, its issuer set."""
    provider = provider or Provider(**options)
    server = make_server("127.0.0.1", 0, provider_app(provider), threaded=True, request_handler=_Quiet)
    provider.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="oidc-provider", daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def free_port() -> int:
    """A port nothing listens on (for a provider that is down)."""
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
