"""Signing in with the publisher's signed tokens (forum/auth/service/sso.py, forum/auth/views/sso.py): every
token that should not sign anyone in does not, and return_to never leaves the forum."""

import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import ExternalAccount, LoginSession, UsedSsoToken, User
from forum.moderation.service import sanctions
from forum.moderation.service.sanctions import SanctionRequest
from tests.factories import PASSWORD, make_user

SECRET = "a publisher's secret, long enough for HS256 and even for HS512, which wants 64 bytes"
ISSUER = "Daily News"
AUDIENCE = "http://forum.example"
APP_CONFIG = {"SSO_ENABLED": True, "SSO_SECRET": SECRET, "SSO_ISSUER": ISSUER, "SSO_AUDIENCE": AUDIENCE,
              "SSO_LOGIN_URL": "http://news.example/login", "EMBED_ORIGINS": ["http://news.example"]}


def claims(**overrides):
    now = int(time.time())
    values = {"iss": ISSUER, "aud": AUDIENCE, "sub": "reader-1", "name": "Ada Reader", "email": "ada@example.com",
              "iat": now, "exp": now + 120, "jti": uuid.uuid4().hex}
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def token(secret=SECRET, algorithm="HS256", **overrides):
    return jwt.encode(claims(**overrides), secret, algorithm=algorithm)


def signed_in_member(client):
    with client.session_transaction() as session:
        login_id = session.get("_user_id")
    if login_id is None:
        return None
    return db.session.scalar(select(User).join(LoginSession, LoginSession.user_id == User.id)
                             .where(LoginSession.token_hash == hashlib.sha256(login_id.encode()).hexdigest()))


def sign_in_with(client, raw, return_to="/"):
    return client.get("/sso/jwt", query_string={"token": raw, "return_to": return_to})


def test_a_valid_token_signs_in_and_returns(app, client):
    response = sign_in_with(client, token(), "/embed/signed-in")
    assert response.status_code == 302 and response.location == "/embed/signed-in"
    member = signed_in_member(client)
    assert member is not None and member.display_name == "Ada Reader" and member.email == "ada@example.com"
    link = db.session.scalar(select(ExternalAccount))
    assert (link.issuer, link.subject, link.user_id) == (ISSUER, "reader-1", member.id)
    assert client.get("/embed/signed-in").status_code == 200


def _unsigned(payload: dict, header: dict) -> str:
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{part(header)}.{part(payload)}."


def _rs256_token():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims(), key, algorithm="RS256")


def _hs_with_public_key_as_secret():
    """The RS/HS confusion: a token HMAC-signed with a public key as the secret, its header saying RS256
    or HS256: refused by its header, or by its signature (the forum's secret is no public key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    signing_input = f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims())}"
    signature = hmac.new(public, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


BAD_TOKENS = {
    "forged signature": lambda: token(secret="another secret, of a good length for HS256 and HS512 alike, 64+"),
    "expired": lambda: token(iat=int(time.time()) - 200, exp=int(time.time()) - 100),
    "lives too long": lambda: token(exp=int(time.time()) + 3600),
    "wrong audience": lambda: token(aud="http://other-forum.example"),
    "wrong issuer": lambda: token(iss="Evening Post"),
    "alg none": lambda: _unsigned(claims(), {"alg": "none", "typ": "JWT"}),
    "alg None": lambda: _unsigned(claims(), {"alg": "None", "typ": "JWT"}),
    "alg HS512": lambda: token(algorithm="HS512"),
    "alg HS384": lambda: token(algorithm="HS384"),
    "alg RS256": _rs256_token,
    "RS/HS confusion": _hs_with_public_key_as_secret,
    "no exp": lambda: jwt.encode({k: v for k, v in claims().items() if k != "exp"}, SECRET, algorithm="HS256"),
    "no iat": lambda: jwt.encode({k: v for k, v in claims().items() if k != "iat"}, SECRET, algorithm="HS256"),
    "no jti": lambda: jwt.encode({k: v for k, v in claims().items() if k != "jti"}, SECRET, algorithm="HS256"),
    "no sub": lambda: jwt.encode({k: v for k, v in claims().items() if k != "sub"}, SECRET, algorithm="HS256"),
    "no aud": lambda: jwt.encode({k: v for k, v in claims().items() if k != "aud"}, SECRET, algorithm="HS256"),
    "no iss": lambda: jwt.encode({k: v for k, v in claims().items() if k != "iss"}, SECRET, algorithm="HS256"),
    "no name": lambda: jwt.encode({k: v for k, v in claims().items() if k != "name"}, SECRET, algorithm="HS256"),
    "issued in the future": lambda: token(iat=int(time.time()) + 600, exp=int(time.time()) + 700),
    "roles not a list": lambda: token(roles={"admin": True}),
    "garbage": lambda: "not.a.token",
    "too long": lambda: token(name="x" * 9000),
}


@pytest.mark.parametrize("kind", BAD_TOKENS)
def test_bad_tokens_sign_nobody_in(app, client, kind):
    response = sign_in_with(client, BAD_TOKENS[kind]())
    assert response.status_code in (400, 401), response.status_code
    assert "You are not signed in" in response.text
    assert signed_in_member(client) is None
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_no_token_is_a_400(app, client):
    response = client.get("/sso/jwt")
    assert response.status_code == 400 and signed_in_member(client) is None


def test_a_replayed_token_is_refused(app, client):
    raw = token()
    assert sign_in_with(client, raw).status_code == 302
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    other = app.test_client()
    response = sign_in_with(other, raw)
    assert response.status_code == 401 and "used already" in response.text
    assert signed_in_member(other) is None


def test_used_tokens_are_forgotten_once_expired(app, client):
    old = int(time.time()) - 400
    db.session.add(UsedSsoToken(issuer=ISSUER, jti="old", expires_at=__import__("datetime").datetime(2020, 1, 1)))
    db.session.commit()
    assert old and sign_in_with(client, token()).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(UsedSsoToken)) == 1


def test_a_token_cannot_take_over_a_password_account_by_email(app, client):
    owner = make_user(username="ada", email="ada@example.com")
    assert sign_in_with(client, token(email="ADA@example.com")).status_code == 302
    member = signed_in_member(client)
    assert member.id != owner.id and member.email != "ada@example.com"
    db.session.expire_all()
    assert db.session.get(User, owner.id).email == "ada@example.com"
    assert db.session.scalar(select(ExternalAccount.user_id)) == member.id


def test_a_banned_members_valid_token_does_not_sign_them_in(app, client, admin):
    assert sign_in_with(client, token()).status_code == 302
    member = signed_in_member(client)
    sanctions.issue(admin, member, SanctionRequest(kind="ban", reason="Spam."))
    fresh = app.test_client()
    response = sign_in_with(fresh, token())
    assert response.status_code == 403 and "banned" in response.text and "Spam." in response.text
    assert signed_in_member(fresh) is None


@pytest.mark.parametrize("return_to", ["//evil.example/x", "https://evil.example/", "http://evil.example",
                                       "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
                                       "https://localhost.evil.example/", "//localhost@evil.example/",
                                       "/\r\nLocation: https://evil.example", "https:/evil.example"])
def test_return_to_never_leaves_the_forum(app, client, return_to):
    response = sign_in_with(client, token(), return_to)
    assert response.status_code == 302
    assert response.location == "/"


def test_return_to_may_be_the_forums_own_address(app, client):
    response = sign_in_with(client, token(), "http://localhost/t/1-x?page=2")
    assert response.location == "/t/1-x?page=2"


def test_the_frame_post_needs_its_csrf_token(app, client):
    response = client.post("/sso/jwt", data={"token": token()})
    assert response.status_code == 400 and signed_in_member(client) is None
    response = client.post("/sso/jwt", data={"token": token(), "csrf_token": client.csrf_token()})
    assert response.status_code == 200 and response.json["signed_in"] == "Ada Reader"
    assert signed_in_member(client) is not None


def test_the_frame_post_says_why_a_token_is_refused(app, client):
    response = client.post("/sso/jwt", data={"token": token(aud="x"), "csrf_token": client.csrf_token()})
    assert response.status_code == 401 and "audience" in response.json["error"]


def test_sso_off_refuses_every_token(app, client):
    app.config["SSO_ENABLED"] = False
    assert sign_in_with(client, token()).status_code == 404
    assert signed_in_member(client) is None


def test_half_set_up_is_a_503(app, client):
    app.config["SSO_SECRET"] = "short"
    assert sign_in_with(client, token(secret="short" * 7)).status_code == 503


def test_staff_roles_reach_mod_and_admin(app, client):
    assert sign_in_with(client, token(roles=["moderator"])).status_code == 302
    assert client.get("/mod").status_code == 200 and client.get("/admin").status_code == 200
    assert client.get("/admin/settings").status_code == 403
    assert sign_in_with(client, token(roles=["admin"])).status_code == 302
    assert client.get("/admin/settings").status_code == 200  # a sign-in this minute is a fresh one
    assert sign_in_with(client, token(roles=[])).status_code == 302  # the role taken away there: gone here
    assert client.get("/mod").status_code == 403 and client.get("/admin").status_code == 403


def test_roles_are_ignored_when_the_setting_says_so(app, client):
    app.config["SSO_ROLES"] = False
    from forum import settings
    settings.store().forget()
    assert sign_in_with(client, token(roles=["admin"])).status_code == 302
    assert signed_in_member(client).role == "member"


def test_publishers_sign_out_signs_out_here(app, client):
    sign_in_with(client, token())
    back = "http://news.example/"
    response = client.get("/sso/logout", query_string={"token": token(name=None), "return_to": back})
    assert response.status_code == 302 and response.location == back
    assert signed_in_member(client) is None


def test_sign_out_without_a_token_asks_first(app, client):
    sign_in_with(client, token())
    response = client.get("/sso/logout", query_string={"return_to": "https://evil.example/"})
    assert response.status_code == 200 and signed_in_member(client) is not None
    assert "https://evil.example" not in response.text
    response = client.post("/sso/logout", data={"csrf_token": client.csrf_token(), "return_to": "https://evil.example/"})
    assert response.status_code == 302 and response.location == "/" and signed_in_member(client) is None


def test_sign_out_with_a_bad_token_does_nothing(app, client):
    sign_in_with(client, token())
    response = client.get("/sso/logout", query_string={"token": token(secret="x" * 40), "return_to": "/"})
    assert response.status_code == 401 and signed_in_member(client) is not None


def test_sign_in_page_points_to_the_publisher(app, client):
    page = client.get("/login?next=/t/1-x").text
    assert 'href="http://news.example/login?return_to=%2Ft%2F1-x"' in page
    assert "Create an account" in page


class TestPasswordAccountsOff:
    @pytest.fixture(autouse=True)
    def _off(self, app):
        app.config["PASSWORD_ACCOUNTS"] = False
        from forum import settings
        settings.store().forget()

    def test_no_registration(self, app, client):
        response = client.get("/register")
        assert response.status_code == 403 and "news.example/login" in response.text
        assert "Register</a>" not in client.get("/").text

    def test_members_cannot_use_their_password(self, app, client):
        make_user(username="lou", email="lou@example.com")
        response = client.submit("/login", {"username": "lou", "password": PASSWORD})
        assert response.status_code == 403 and "publisher" in response.text
        assert signed_in_member(client) is None

    def test_staff_with_a_password_still_can(self, app, client, admin):
        response = client.submit("/login", {"username": "boss", "password": PASSWORD})
        assert response.status_code == 302 and signed_in_member(client).id == admin.id

    def test_the_password_form_is_tucked_away_for_staff(self, app, client):
        page = client.get("/login").text
        assert "Staff: sign in with a password" in page and "Create an account" not in page


def test_both_off_leaves_staff_a_way_in(app, client, admin):
    app.config["PASSWORD_ACCOUNTS"] = False
    app.config["SSO_ENABLED"] = False
    from forum import settings
    settings.store().forget()
    assert sign_in_with(client, token()).status_code == 404
    assert client.submit("/login", {"username": "boss", "password": PASSWORD}).status_code == 302


def test_the_frame_gets_a_csrf_token_uncached(app, client):
    response = client.get("/sso/frame")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    csrf = response.json["csrf_token"]
    answer = client.post("/sso/jwt", data={"token": token(), "csrf_token": csrf})
    assert answer.status_code == 200 and signed_in_member(client) is not None


def test_no_frame_token_when_sso_is_off(app, client):
    app.config["SSO_ENABLED"] = False
    assert client.get("/sso/frame").status_code == 404


def test_the_embed_frame_offers_the_publishers_sign_in(app, client, monkeypatch):
    from forum.embed import service
    from tests.factories import make_category
    make_category(slug="articles", name="Articles")
    make_user(role="admin", username="editor")
    article = "http://news.example/2026/story"
    monkeypatch.setattr(service, "fetch_page", lambda url, timeout: (
        f'<!doctype html><title>A story</title><script src="x/embed.js" data-url="{article}"></script>'))
    app.config["EMBED_CATEGORY"] = "articles"
    app.config["PASSWORD_ACCOUNTS"] = False
    frame = client.get("/embed/article", query_string={"url": article}, follow_redirects=True).text
    assert 'data-sso-sign-in="/sso/jwt"' in frame and 'data-sso-frame="/sso/frame"' in frame
    assert 'href="http://news.example/login?return_to=%2Fembed%2Fsigned-in"' in frame
    assert "Register</a>" not in frame
    # the top-level redirect for a browser that keeps cookies from frames ends on the "signed in" page
    assert sign_in_with(client, token(), "/embed/signed-in").location == "/embed/signed-in"


def test_staff_from_a_token_confirm_a_stale_session_by_signing_in_again(app, client):
    from datetime import datetime
    assert sign_in_with(client, token(roles=["admin"])).status_code == 302
    db.session.execute(db.update(LoginSession).values(confirmed_at=datetime(2020, 1, 1)))
    db.session.commit()
    asked = client.get("/admin/settings")
    assert asked.status_code == 302 and asked.location.startswith("/login/confirm")
    page = client.get(asked.location).text
    assert 'href="http://news.example/login?return_to=%2Fadmin%2Fsettings"' in page and 'name="password"' not in page
    assert sign_in_with(client, token(roles=["admin"]), "/admin/settings").location == "/admin/settings"
    assert client.get("/admin/settings").status_code == 200


def test_a_member_with_two_factor_on_still_gives_the_code(app, client):
    assert sign_in_with(client, token()).status_code == 302
    member = signed_in_member(client)
    db.session.execute(db.update(User).where(User.id == member.id).values(totp_secret="A" * 32))
    db.session.commit()
    fresh = app.test_client()
    response = sign_in_with(fresh, token(), "/t/1-x")
    assert response.status_code == 302 and response.location == "/login/code"
    assert signed_in_member(fresh) is None
    answer = fresh.post("/sso/jwt", data={"token": token(), "csrf_token": fresh.csrf_token()})
    assert answer.status_code == 403 and "two-factor" in answer.json["error"] and signed_in_member(fresh) is None


def test_a_silenced_member_can_still_sign_out(app, client, admin):
    assert sign_in_with(client, token()).status_code == 302
    sanctions.issue(admin, signed_in_member(client), SanctionRequest(kind="silence", reason="Calm down.", days=1))
    response = client.post("/sso/logout", data={"csrf_token": client.csrf_token(), "return_to": "/"})
    assert response.status_code == 302 and signed_in_member(client) is None


def test_tokens_tried_are_rate_limited(app, client):
    for _ in range(30):
        client.get("/sso/jwt", query_string={"token": "x"})
    response = client.get("/sso/jwt", query_string={"token": token()})
    assert response.status_code == 429 and "Too many sign-ins" in response.text
