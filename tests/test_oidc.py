"""Signing in with an OpenID Connect provider (forum/auth/service/oidc.py), against a small provider these
tests start on 127.0.0.1 (tests/oidc_provider.py): the code flow with PKCE, state and nonce, the ID token's
signature, algorithm, issuer, audience and expiry, and the member found by (issuer, subject) alone."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from forum.auth.service import external, two_factor
from forum.database import write_transaction
from forum.extensions import db
from forum.models import ExternalAccount, User
from forum.moderation.service import sanctions
from forum.moderation.service.sanctions import SanctionRequest
from tests.factories import PASSWORD, make_thread, make_user
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, free_port, new_key, running, s256


@pytest.fixture
def provider(app):
    """A provider running for this test, and the forum set up to sign in with it."""
    with running() as started:
        _use(app, started.issuer)
        yield started


def _use(app, issuer: str) -> None:
    app.config.update(OIDC_ENABLED=True, OIDC_ISSUER=issuer, OIDC_CLIENT_ID=CLIENT_ID,
                      OIDC_CLIENT_SECRET=CLIENT_SECRET, OIDC_NAME="Daily Courier", OIDC_TIMEOUT_SECONDS=2)


def begin(client, next_url="/"):
    """Follow "Sign in with …": the forum's answer (a redirect to the provider)."""
    return client.get("/login/oidc", query_string={"next": next_url})


def at_provider(started):
    """The provider's answer to the browser: the callback address (path and query) it sends it back to."""
    answer = requests.get(started.headers["Location"], allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert (back.scheme, back.netloc) == ("http", "localhost")
    return f"{back.path}?{back.query}"


def sign_in_with_provider(client, next_url="/"):
    """The whole round: the forum, the provider, back to the forum's callback; returns (answer, callback)."""
    callback = at_provider(begin(client, next_url))
    return client.get(callback), callback


def signed_in(client) -> bool:
    return "Sign out" in client.get("/").text


def members() -> int:
    return db.session.scalar(select(func.count(User.id)))


# --- The way in ------------------------------------------------------------------------------------------

def test_the_sign_in_page_offers_the_provider_as_a_plain_link(client, provider):
    page = client.get("/login?next=/t/1").text
    assert '<a class="button" href="/login/oidc?next=/t/1"><span>Sign in with <bdi>Daily Courier</bdi></span></a>' in page
    assert provider.discovery_reads == 0  # showing the button asks the provider nothing


def test_the_comments_frame_offers_the_provider_too_and_comes_back_to_its_signed_in_page(app, client, provider,
                                                                                         monkeypatch):
    from forum.embed import service as embed
    from tests.factories import make_category
    from tests.test_embed import ARTICLE, PUBLISHER, snippet_page
    app.config.update(EMBED_ORIGINS=[PUBLISHER], EMBED_CATEGORY="articles")
    make_category(slug="articles", name="Articles"), make_user(role="admin")
    monkeypatch.setattr(embed, "fetch_page", lambda url, timeout: snippet_page())
    frame = client.get(client.get("/embed/article", query_string={"url": ARTICLE}).headers["Location"])
    assert frame.status_code == 200
    assert ('<a class="button secondary" data-signs-in href="/login/oidc?next=/embed/signed-in"><span>Sign in with '
            '<bdi>Daily Courier</bdi></span></a>') in frame.text
    answer, _ = sign_in_with_provider(client, "/embed/signed-in")
    assert answer.headers["Location"] == "/embed/signed-in"


def test_the_first_sign_in_makes_and_links_a_member_and_goes_where_they_were_going(client, provider):
    thread = make_thread()
    started = begin(client, f"/t/{thread.id}")
    assert started.status_code == 302
    asked = urlsplit(started.headers["Location"])
    query = parse_qs(asked.query)
    assert f"{asked.scheme}://{asked.netloc}{asked.path}" == provider.issuer + "/authorize"
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == ["http://localhost/login/oidc/callback"]
    assert query["code_challenge_method"] == ["S256"] and set(query["scope"][0].split()) == {"openid", "email", "profile"}
    assert query["state"][0] and query["nonce"][0] and query["state"] != query["nonce"]

    answer = client.get(at_provider(started))
    assert answer.status_code == 302 and answer.headers["Location"] == f"/t/{thread.id}"
    member = db.session.scalar(select(User).where(User.display_name == "Ada Lovelace"))
    assert member is not None and member.email == "ada@example.com" and member.role == "member"
    link = db.session.scalar(select(ExternalAccount))
    assert (link.issuer, link.subject, link.user_id) == (provider.issuer, "user-1", member.id)
    page = client.get("/").text
    assert "Sign out" in page and "Signed in as Ada Lovelace." in page
    # the code went back with the PKCE verifier, the secret in HTTP Basic
    sent = provider.token_requests[-1]
    assert sent["basic"] and "client_secret" not in sent["form"]
    assert s256(sent["form"]["code_verifier"]) == query["code_challenge"][0]


def test_a_second_sign_in_finds_the_same_member(app, client, provider):
    sign_in_with_provider(client)
    first = db.session.scalar(select(ExternalAccount.user_id))
    client.submit("/logout")
    assert not signed_in(client)
    provider.user = {**provider.user, "name": "Ada King", "email": "ada@another.example"}
    answer, _ = sign_in_with_provider(client)
    assert answer.status_code == 302 and signed_in(client)
    assert members() == 1 and db.session.scalar(select(ExternalAccount.user_id)) == first
    assert db.session.get(User, first).display_name == "Ada King"  # the provider's name follows


def test_a_member_signed_in_with_the_provider_can_comment(client, provider):
    thread = make_thread()
    sign_in_with_provider(client, f"/t/{thread.id}")
    answer = client.submit(f"/t/{thread.id}/reply", {"body": "Signed in with my newspaper account."})
    assert answer.status_code in (302, 303)
    assert "Signed in with my newspaper account." in client.get(answer.headers["Location"]).text


def test_an_unverified_email_is_not_taken(client, provider):
    provider.user = {**provider.user, "email_verified": False}
    sign_in_with_provider(client)
    member = db.session.scalar(select(User))
    assert not external.has_email(member)


def test_a_profile_kept_out_of_the_id_token_is_read_from_userinfo(client, provider):
    provider.profile_in_id_token = False
    answer, _ = sign_in_with_provider(client)
    assert answer.status_code == 302
    member = db.session.scalar(select(User))
    assert (member.display_name, member.email) == ("Ada Lovelace", "ada@example.com")


def test_userinfo_about_another_subject_is_ignored(client, provider):
    provider.profile_in_id_token = False
    provider.userinfo_changed = {"sub": "user-2", "name": "Somebody Else", "email": "else@example.com"}
    answer, _ = sign_in_with_provider(client)
    assert answer.status_code == 302
    member = db.session.scalar(select(User))
    assert member.display_name != "Somebody Else" and not external.has_email(member)
    assert db.session.scalar(select(ExternalAccount.subject)) == "user-1"


def test_the_members_own_second_step_still_holds(client, provider):
    sign_in_with_provider(client)
    member = db.session.scalar(select(User))
    with write_transaction(public=False) as session:
        session.get(User, member.id).totp_secret = two_factor.new_secret()
    client.submit("/logout")
    answer, _ = sign_in_with_provider(client)
    assert answer.status_code == 302 and answer.headers["Location"] == "/login/code"
    assert not signed_in(client)


# --- What is refused --------------------------------------------------------------------------------------

def _refused(answer, status, words):
    assert answer.status_code == status, (answer.status_code, answer.text[:500])
    assert "Not signed in" in answer.text and words in answer.text, answer.text


def test_an_overlong_address_to_come_back_to_is_not_kept(client, provider):
    answer, _ = sign_in_with_provider(client, "/t/1?" + "x" * 3000)
    assert answer.status_code == 302 and answer.headers["Location"] == "/"


def test_a_wrong_state_is_refused_before_the_code_is_used(client, provider):
    callback = at_provider(begin(client))
    forged = callback.replace("state=", "state=x")
    _refused(client.get(forged), 400, "was not begun in this browser")
    assert provider.token_requests == [] and not signed_in(client) and members() == 0


def test_an_answer_for_another_browser_is_refused(app, client, provider):
    """Login CSRF: an attacker's own callback address, opened in a victim's browser, signs no one in."""
    attacker = app.test_client()
    callback = at_provider(begin(attacker))
    _refused(client.get(callback), 400, "was not begun in this browser")
    assert provider.token_requests == [] and not signed_in(client)


def test_a_replayed_answer_is_refused(client, provider):
    answer, callback = sign_in_with_provider(client)
    assert answer.status_code == 302
    client.submit("/logout")
    _refused(client.get(callback), 400, "already used")
    assert not signed_in(client) and len(provider.token_requests) == 1


def test_an_answer_is_used_once_even_when_it_was_refused(client, provider):
    """A refused answer, sent again from the same browser (reloaded, or by someone who saw the address),
    is not tried again: the sign-in it belonged to is over."""
    provider.claims_changed = {"nonce": "another-sign-ins-nonce"}
    answer, callback = sign_in_with_provider(client)
    _refused(answer, 400, "could not be verified")
    provider.claims_changed = {}
    _refused(client.get(callback), 400, "already used")
    assert len(provider.token_requests) == 1 and not signed_in(client)


def test_a_replayed_code_is_refused_by_the_provider_and_explained(client, provider):
    _, callback = sign_in_with_provider(client)
    client.submit("/logout")
    used_code = parse_qs(urlsplit(callback).query)["code"][0]
    fresh = at_provider(begin(client))  # a new sign-in's state, with the old code put in
    fresh_state = parse_qs(urlsplit(fresh).query)["state"][0]
    _refused(client.get(f"/login/oidc/callback?code={used_code}&state={fresh_state}"), 400,
             "did not accept the sign-in code")
    assert not signed_in(client)


@pytest.mark.parametrize("changed, why", [
    ({"nonce": "another-sign-ins-nonce"}, "a wrong nonce"),
    ({"nonce": None}, "no nonce"),
    ({"aud": "another-client"}, "another audience"),
    ({"aud": "another-client", "azp": CLIENT_ID}, "another audience, though it names the forum as its party"),
    ({"aud": [CLIENT_ID, "another-client"], "azp": "another-client"}, "another authorized party"),
    ({"iss": "http://127.0.0.1:1"}, "another issuer"),
    ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "expired"),
    ({"sub": None}, "no subject"),
])
def test_an_id_token_with_wrong_claims_is_refused(client, provider, changed, why):
    provider.claims_changed = changed
    answer, _ = sign_in_with_provider(client)
    _refused(answer, 400, "could not be verified")
    assert not signed_in(client) and members() == 0, why


@pytest.mark.parametrize("same_kid", [True, False])
def test_an_id_token_signed_by_another_key_is_refused(client, provider, same_kid):
    provider.sign_with = new_key("RS256", kid=provider.key.kid if same_kid else None)
    answer, _ = sign_in_with_provider(client)
    _refused(answer, 400, "could not be verified")
    assert not signed_in(client) and members() == 0


def test_an_unsigned_id_token_is_refused(client, provider):
    provider.unsigned = True
    answer, _ = sign_in_with_provider(client)
    _refused(answer, 400, "could not be verified")
    assert not signed_in(client) and members() == 0


def test_an_id_token_signed_with_an_algorithm_not_advertised_is_refused(client, provider):
    provider.hmac_secret = CLIENT_SECRET  # HS256 with the client's secret: valid OpenID, not advertised here
    answer, _ = sign_in_with_provider(client)
    _refused(answer, 400, "could not be verified")
    assert not signed_in(client)


def test_a_provider_that_advertises_only_none_or_hmac_is_not_used(client, provider):
    provider.advertised_algs = ["none", "HS256"]
    _refused(begin(client), 502, "none of the algorithms")


def test_es256_works_and_a_rotated_key_is_fetched_again(app, client):
    with running(Provider(alg="ES256")) as started:
        _use(app, started.issuer)
        answer, _ = sign_in_with_provider(client)
        assert answer.status_code == 302 and signed_in(client)
        client.submit("/logout")
        started.key = new_key("ES256")  # the provider rotates its key: the forum reads the new JWKS
        answer, _ = sign_in_with_provider(client)
        assert answer.status_code == 302 and signed_in(client) and started.jwks_reads == 2


def test_an_email_an_existing_password_account_has_does_not_take_it_over(client, provider):
    owner = make_user(username="ada", email="ada@example.com", display_name="The Real Ada")
    answer, _ = sign_in_with_provider(client)
    assert answer.status_code == 302
    newcomer = db.session.scalar(select(User).where(User.id != owner.id))
    assert newcomer is not None and not external.has_email(newcomer)
    assert db.session.get(User, owner.id).email == "ada@example.com"
    assert db.session.scalar(select(ExternalAccount.user_id)) == newcomer.id
    page = client.get("/").text
    assert "Signed in as Ada Lovelace." in page and "The Real Ada" not in page
    other = client.application.test_client()
    other.sign_in(owner, PASSWORD)  # the owner's password still signs the owner in
    assert "Sign out" in other.get("/").text


def test_a_banned_member_is_refused(client, provider, admin):
    sign_in_with_provider(client)
    member = db.session.scalar(select(User).where(User.id != admin.id))
    client.submit("/logout")
    sanctions.issue(admin, member, SanctionRequest(kind="ban", reason="Spam.", days=None))
    answer, _ = sign_in_with_provider(client)
    _refused(answer, 403, "banned")
    assert "Start again" not in answer.text and not signed_in(client)


def test_the_provider_saying_no_is_explained(client, provider):
    provider.authorize_error = "access_denied"
    answer, _ = sign_in_with_provider(client)
    _refused(answer, 400, "Daily Courier did not sign you in: The user said no.")
    assert provider.token_requests == [] and not signed_in(client)


def test_a_provider_that_is_down_gets_a_page_not_a_crash(app, client):
    _use(app, f"http://127.0.0.1:{free_port()}")
    answer = begin(client)
    _refused(answer, 502, "cannot be reached just now")
    assert "Try again" in answer.text


def test_a_provider_that_goes_down_mid_sign_in_gets_a_page(app, client):
    with running() as started:
        _use(app, started.issuer)
        callback = at_provider(begin(client))
    _refused(client.get(callback), 502, "cannot be reached just now")  # the token endpoint is gone


def test_refused_answers_count_against_the_sign_in_limit_but_a_provider_down_does_not(app, client):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    with running() as started:
        _use(app, started.issuer)
        callbacks = [at_provider(begin(client)) for _ in range(3)]
    for callback in callbacks:  # the provider is gone: its token endpoint does not answer
        assert client.get(callback).status_code == 502
    assert [client.get("/login/oidc/callback?code=x&state=forged").status_code for _ in range(3)] == [400, 400, 429]


def test_a_discovery_document_naming_another_issuer_is_not_trusted(client, provider):
    provider.issuer_advertised = "https://id.example.com"
    _refused(begin(client), 502, "another issuer")


# --- Settings -------------------------------------------------------------------------------------------

def test_off_means_no_button_and_no_way_in(app, client, provider):
    app.config["OIDC_ENABLED"] = False
    assert "/login/oidc" not in client.get("/login").text
    assert begin(client).status_code == 404
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404
    assert provider.discovery_reads == 0


def test_on_without_an_issuer_or_client_id_offers_nothing(app, client, provider):
    app.config["OIDC_CLIENT_ID"] = ""
    assert "/login/oidc" not in client.get("/login").text
    assert begin(client).status_code == 404


def test_the_client_secret_is_never_shown_to_admins(app, admin_client, provider):
    page = admin_client.get("/admin/settings").text
    assert "OpenID Connect sign-in" in page and "Issuer address" in page
    assert CLIENT_SECRET not in page


@pytest.mark.parametrize("address, accepted", [
    ("https://id.example.com/realms/news", True),
    ("http://127.0.0.1:8080", True),
    ("http://id.example.com", False),
    ("https://id.example.com/?x=1", False),
    ("javascript:alert(1)", False),
])
def test_the_issuer_must_be_an_https_address(app, address, accepted):
    from forum.refusals import FieldError
    from forum.settings import BY_NAME
    if accepted:
        assert BY_NAME["OIDC_ISSUER"].clean(address) == address
    else:
        with pytest.raises(FieldError):
            BY_NAME["OIDC_ISSUER"].clean(address)
