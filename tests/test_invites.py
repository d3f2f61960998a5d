"""Invitations: who may make them, REGISTRATION_MODE "invite", single use, expiry, who invited whom."""

import json
import re
from datetime import timedelta

import pytest
from forum import mail, trust
from forum.database import write_transaction
from forum.extensions import db
from forum.models import Invite, SiteSetting, User
from forum.models.base import utcnow
from tests.factories import PASSWORD, make_user
from tests.mail_server import finish_link

INVITE_LINK = re.compile(r"/register\?invite=([A-Za-z0-9_-]+)")
PERSON = {"username": "rhonda", "display_name": "Rhonda Bird", "name_style": "full", "email": "rhonda@example.com"}


def save(app, **values):
    with write_transaction() as session:
        for name, value in values.items():
            session.merge(SiteSetting(name=name, value=json.dumps(value)))
    app.extensions["settings"].forget()


@pytest.fixture
def invite_only(app):
    save(app, REGISTRATION_MODE="invite")


def make_invite(client, inviter) -> str:
    """Sign in as `inviter`, make an invitation on /invites, and return its token from the page."""
    client.sign_in(inviter)
    made = client.submit("/invites")
    assert made.status_code == 201, made.text
    token = INVITE_LINK.search(made.text).group(1)
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    return token


def users() -> int:
    return db.session.scalar(db.select(db.func.count(User.id)))


def test_invite_only_registration_needs_an_invitation(client, invite_only):
    assert "Register</a>" not in client.get("/").text
    page = client.get("/register")
    assert page.status_code == 403 and "Registration is by invitation" in page.text
    assert client.submit("/register", PERSON).status_code == 403
    garbled = client.get("/register?invite=not-a-real-one")
    assert garbled.status_code == 400 and "This invitation link is not valid" in garbled.text


def test_an_admins_invitation_makes_one_account_and_records_who_invited_whom(client, app, smtp_server, invite_only):
    admin = make_user(role="admin")
    token = make_invite(client, admin)
    invite = db.session.scalar(db.select(Invite))
    assert invite.token_hash != token and token not in invite.token_hash  # only its hash is stored
    form = client.get(f"/register?invite={token}")
    assert form.status_code == 200 and f'value="{token}"' in form.text
    assert "You were invited by" in form.text
    done = client.register_through_mail(smtp_server, invite=token)
    assert done.status_code == 302
    rhonda = db.session.scalar(db.select(User).where(User.username == "rhonda"))
    db.session.refresh(invite)
    assert invite.used_by_id == rhonda.id and invite.used_at is not None
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    client.sign_in(admin)
    staff_page = client.get(f"/admin/members/{rhonda.id}").text
    assert "Joined with an invitation from" in staff_page and f"@{admin.username}" in staff_page
    assert "invited <a" in client.get(f"/admin/members/{admin.id}").text


def test_a_used_invitation_is_refused(client, app, smtp_server, invite_only):
    token = make_invite(client, make_user(role="admin"))
    assert client.register_through_mail(smtp_server, invite=token).status_code == 302
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    again = client.get(f"/register?invite={token}")
    assert again.status_code == 410 and "has been used already" in again.text
    sent = client.submit("/register", {**PERSON, "username": "second", "email": "second@example.com",
                                       "invite": token})
    assert sent.status_code == 410 and users() == 2


def test_two_registrations_cannot_share_one_invitation(client, app, smtp_server, invite_only):
    token = make_invite(client, make_user(role="admin"))
    client.submit("/register", {**PERSON, "invite": token})
    first = finish_link(smtp_server.last_to("rhonda@example.com"))
    client.submit("/register", {**PERSON, "username": "lou", "email": "lou@example.com", "invite": token})
    second = finish_link(smtp_server.last_to("lou@example.com"))
    assert client.submit(first, {"username": "rhonda", "password": PASSWORD}).status_code == 302
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    refused = client.submit(second, {"username": "lou", "password": PASSWORD})
    assert refused.status_code == 410 and "has been used already" in refused.text
    assert db.session.scalar(db.select(User).where(User.username == "lou")) is None


def test_an_expired_invitation_is_refused(client, app, smtp_server, invite_only):
    token = make_invite(client, make_user(role="admin"))
    client.submit("/register", {**PERSON, "invite": token})
    link = finish_link(smtp_server.last_to("rhonda@example.com"))
    with write_transaction() as session:
        session.scalar(db.select(Invite)).expires_at = utcnow() - timedelta(seconds=1)
    page = client.get(f"/register?invite={token}")
    assert page.status_code == 410 and "This invitation has expired" in page.text
    opened = client.get(link)
    assert opened.status_code == 410 and "This invitation has expired" in opened.text
    finished = client.submit(link, {"username": "rhonda", "password": PASSWORD})
    assert finished.status_code == 410 and "This invitation has expired" in finished.text
    assert users() == 1  # the admin only


def test_an_invitation_does_not_tell_whether_an_address_is_registered(client, app, smtp_server, invite_only):
    make_user(email="taken@example.com")
    token = make_invite(client, make_user(role="admin"))
    answers = [client.submit("/register", {**PERSON, "username": name, "email": email, "invite": token})
               for name, email in (("fresh", "fresh@example.com"), ("other", "taken@example.com"))]
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].location == answers[1].location == "/register/sent"
    mail.wait_for_background()
    invite = db.session.scalar(db.select(Invite))
    assert invite.used_at is None  # spent only when an account is made


def test_a_member_below_the_level_cannot_make_invitations(client):
    member = make_user()
    client.sign_in(member)
    page = client.get("/invites")
    assert page.status_code == 200 and "needs a higher trust level" in page.text
    refused = client.submit("/invites")
    assert refused.status_code == 403
    assert db.session.scalar(db.select(db.func.count(Invite.id))) == 0


def test_a_regular_may_make_invitations(client):
    regular = make_user()
    with write_transaction() as session:
        session.get(User, regular.id).trust_level_set = trust.REGULAR
    assert make_invite(client, regular)
    assert db.session.scalar(db.select(Invite.created_by_id)) == regular.id


def test_an_invitation_spends_with_confirmation_off_too(client, app, invite_only):
    app.config["EMAIL_CONFIRMATION"] = False
    token = make_invite(client, make_user(role="admin"))
    made = client.submit("/register", {**PERSON, "password": PASSWORD, "invite": token})
    assert made.status_code == 302
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    again = client.submit("/register", {**PERSON, "username": "lou", "email": "lou@example.com",
                                        "password": PASSWORD, "invite": token})
    assert again.status_code == 410 and users() == 2


def test_with_open_registration_an_invitation_still_records_who_invited_whom(client, smtp_server):
    admin = make_user(role="admin")
    token = make_invite(client, admin)
    assert client.register_through_mail(smtp_server, invite=token).status_code == 302
    assert db.session.scalar(db.select(Invite.used_by_id)) == db.session.scalar(
        db.select(User.id).where(User.username == "rhonda"))


def test_the_new_pages_are_valid_html(app, client, tmp_path, invite_only):
    from tests.test_valid_html import vnu_errors
    admin, member = make_user(role="admin"), make_user()
    pages = {"/register (by invitation)": client.get("/register").text}
    client.sign_in(admin)
    pages["/invites (made)"] = client.submit("/invites").text
    pages["/invites (admin)"] = client.get("/invites").text
    pages["standing (staff)"] = client.get(f"/u/{member.username}/standing").text
    pages["trust (refused)"] = client.submit(f"/u/{member.username}/trust", {"level": "regular"}).text
    token = INVITE_LINK.search(pages["/invites (made)"]).group(1)
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    pages["/register (invited)"] = client.get(f"/register?invite={token}").text
    client.sign_in(member)
    pages["/invites (member)"] = client.get("/invites").text
    pages["standing (own)"] = client.get(f"/u/{member.username}/standing").text
    assert vnu_errors(pages, tmp_path) == []


def test_making_invitations_is_rate_limited_with_the_reason_beside_the_form(client, app):
    save(app, INVITE_RATE_LIMIT="2 per day")
    client.sign_in(make_user(role="admin"))
    assert [client.submit("/invites").status_code for _ in range(2)] == [201, 201]
    refused = client.submit("/invites")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 3600
    form = refused.text.split('class="stack invite-form"')[1].split("</form>")[0]
    assert "You have made 2 invitations per day, the most allowed. You can make another in" in form
    assert 'aria-describedby="invite-limit"' in form
    assert db.session.scalar(db.select(db.func.count(Invite.id))) == 2


def test_the_invitation_limit_is_a_site_setting_counted_per_member(client, app):
    from forum.settings import BY_NAME
    assert BY_NAME["INVITE_RATE_LIMIT"].kind == "limit"
    save(app, INVITE_RATE_LIMIT="1 per day")
    client.sign_in(make_user(role="admin"))
    assert [client.submit("/invites").status_code for _ in range(2)] == [201, 429]
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    client.sign_in(make_user(role="admin"))
    assert client.submit("/invites").status_code == 201
