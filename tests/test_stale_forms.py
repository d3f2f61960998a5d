"""A staff form sent from a page older than the fresh-sign-in window: nothing is carried out, the password
is asked, and then the member sends the form again as they wrote it (one button) or goes back to the page;
nothing typed is lost, with JavaScript or without."""

import io
import re

from forum.extensions import db
from forum.models import User
from tests.factories import PASSWORD, make_user
from tests.test_two_factor import make_stale


def stale_admin(client):
    admin = make_user(role="admin", username="boss")
    client.sign_in(admin)
    make_stale(admin)
    return admin


def send_stale(client, url, data, htmx=False, referer=None):
    """Send a form from a stale page as a browser would: the 307 answer sends it on, body and all, to the
    password page (werkzeug's test client has read the body once, so it is given again here)."""
    headers = {"Referer": f"http://localhost{referer}"} if referer else {}
    fields = data if callable(data) else lambda: data
    first = client.submit(url, fields(), htmx=htmx, headers=headers)
    assert first.status_code == 307 and first.location.startswith("/login/confirm/form?"), first.location
    return client.submit(first.location, fields(), htmx=htmx, headers=headers)


def hidden(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


def test_a_stale_form_asks_for_the_password_and_keeps_what_was_typed(client):
    stale_admin(client)
    member = make_user()
    page_url = f"/admin/members/{member.id}"
    answer = send_stale(client, f"{page_url}/role", {"role": "moderator"}, referer=page_url)
    assert answer.status_code == 401 and "Confirm your password" in answer.text
    assert "was not sent" in answer.text and db.session.get(User, member.id).role == "member"
    fields = hidden(answer.text)
    assert fields["kept:role"] == "moderator" and fields["resend_to"] == f"{page_url}/role"
    assert fields["next"] == page_url and "kept:csrf_token" not in fields


def test_after_the_password_the_form_is_sent_again_as_it_was_with_one_button(client):
    stale_admin(client)
    member = make_user()
    page_url = f"/admin/members/{member.id}"
    asked = send_stale(client, f"{page_url}/role", {"role": "moderator"}, referer=page_url)
    fields = {name: value for name, value in hidden(asked.text).items() if name != "csrf_token"}
    wrong = client.submit("/login/confirm", {**fields, "password": "not it"})
    assert wrong.status_code == 422 and hidden(wrong.text)["kept:role"] == "moderator"  # still kept
    confirmed = client.submit("/login/confirm", {**fields, "password": PASSWORD})
    assert confirmed.status_code == 200 and "Send it now" in confirmed.text
    assert f'action="{page_url}/role"' in confirmed.text and f'href="{page_url}"' in confirmed.text
    assert hidden(confirmed.text)["role"] == "moderator" and db.session.get(User, member.id).role == "member"
    resent = client.submit(f"{page_url}/role", {"role": hidden(confirmed.text)["role"]})
    assert resent.status_code == 302 and db.session.get(User, member.id).role == "moderator"


def test_with_htmx_the_password_is_asked_in_place_of_the_page(client):
    stale_admin(client)
    member = make_user()
    answer = send_stale(client, f"/admin/members/{member.id}/role", {"role": "moderator"}, htmx=True,
                        referer=f"/admin/members/{member.id}")
    assert answer.status_code == 401 and answer.headers["HX-Retarget"] == "#main"
    assert answer.headers["HX-Reswap"] == "innerHTML" and "<html" not in answer.text
    assert hidden(answer.text)["kept:role"] == "moderator" and "autofocus" in answer.text
    assert db.session.get(User, member.id).role == "member"


def test_only_a_form_of_this_site_is_offered_again(client):
    stale_admin(client)
    for target in ("//evil.example/steal", "https://evil.example/x", "/no-such-form"):
        confirmed = client.submit("/login/confirm", {"password": PASSWORD, "next": "/admin", "resend_to": target,
                                                     "kept:role": "admin"})
        assert confirmed.status_code == 302 and confirmed.location == "/admin", target


def test_a_picture_cannot_be_kept_so_the_page_says_to_choose_it_again(client):
    stale_admin(client)
    asked = send_stale(client, "/admin/settings/logo", lambda: {"logo": (io.BytesIO(b"GIF89a"), "logo.gif")},
                       referer="/admin/settings")
    assert asked.status_code == 401 and "choose it again" in asked.text
    fields = {name: value for name, value in hidden(asked.text).items() if name != "csrf_token"}
    confirmed = client.submit("/login/confirm", {**fields, "password": PASSWORD})
    assert confirmed.status_code == 200 and "choose it again" in confirmed.text and "Send it now" not in confirmed.text
    assert 'href="/admin/settings"' in confirmed.text


def test_the_new_pages_are_valid_html(client, tmp_path, monkeypatch):
    from forum.database import write_transaction
    from forum.models import RecoveryCode
    from tests.test_valid_html import vnu_errors
    admin = stale_admin(client)
    member = make_user(username="lou")
    with write_transaction(public=False) as session:
        session.get(User, member.id).totp_secret = "JBSWY3DPEHPK3PXP"
        session.add(RecoveryCode(user_id=member.id, code_hash="0" * 64))
    page_url = f"/admin/members/{member.id}"
    asked = send_stale(client, f"{page_url}/two-factor/reset", {"reason": "Lost <phone> & codes"}, referer=page_url)
    fields = {name: value for name, value in hidden(asked.text).items() if name != "csrf_token"}
    pages = {"confirm (stale form)": asked.text,
             "confirm (wrong password)": client.submit("/login/confirm", {**fields, "password": "x"}).text,
             "send again": client.submit("/login/confirm", {**fields, "password": PASSWORD}).text,
             "member (two-factor on)": client.get(page_url).text,
             "member (reason missing)": client.submit(f"{page_url}/two-factor/reset", {"reason": ""}).text,
             "member (own)": client.get(f"/admin/members/{admin.id}").text}
    monkeypatch.setitem(client.application.config, "INVITE_RATE_LIMIT", "1 per day")
    client.submit("/invites")
    pages["invites (limit)"] = client.submit("/invites").text
    assert "most allowed" in pages["invites (limit)"]
    assert vnu_errors(pages, tmp_path) == []
