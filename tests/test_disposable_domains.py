"""Throwaway-address domains: refused at registration from the pinned list, unless an admin allows them."""

import pytest
from sqlalchemy import func, select

from forum.admin.service import domains
from forum.auth.service import signup
from forum.extensions import db
from forum.models import AllowedEmailDomain, ModAction, User
from forum.refusals import FieldError
from tests.factories import make_user
from tests.mail_server import finish_link


def ask(client, email):
    return client.submit("/register", {"username": "rhonda", "display_name": "Rhonda Bird", "name_style": "full",
                                       "email": email})


def users() -> int:
    return db.session.scalar(select(func.count(User.id)))


@pytest.mark.parametrize("email", ["rhonda@mailinator.com", "Rhonda@MAILINATOR.COM", "rhonda@x.mailinator.com"])
def test_a_throwaway_address_is_refused_beside_the_field_with_what_was_typed(client, smtp_server, email):
    answer = ask(client, email)
    assert answer.status_code == 422
    assert "mailinator.com are throwaway addresses" in answer.text
    assert 'value="Rhonda Bird"' in answer.text
    assert smtp_server.messages == []


def test_an_ordinary_address_is_not(client, smtp_server):
    assert ask(client, "rhonda@example.com").status_code == 302


def test_an_admin_allows_a_domain_and_it_is_logged(admin_client, admin, smtp_server):
    page = admin_client.get("/admin/domains")
    assert page.status_code == 200 and "Every listed throwaway domain is refused." in page.text
    answer = admin_client.submit("/admin/domains", {"domain": "Mailinator.com", "reason": "Our test team uses it."})
    assert answer.status_code == 302
    assert "mailinator.com" in admin_client.get("/admin/domains").text
    entry = db.session.scalars(select(ModAction)).one()
    assert (entry.action, entry.actor_id, entry.details) == ("domain:allow", admin.id,
                                                            "mailinator.com: Our test team uses it.")
    admin_client.post("/logout", data={"csrf_token": admin_client.csrf_token()})
    assert ask(admin_client, "rhonda@mailinator.com").status_code == 302
    assert admin_client.register_through_mail(smtp_server, username="rhonda",
                                              email="rhonda@mailinator.com").status_code == 302


def test_refusing_it_again_is_logged_and_stops_links_already_mailed(app, admin, client, smtp_server):
    allowed = domains.allow_domain(admin, "mailinator.com", "Trial.")
    assert ask(client, "rhonda@mailinator.com").status_code == 302
    link = finish_link(smtp_server.last_to("rhonda@mailinator.com"))
    domains.disallow_domain(admin, allowed)
    assert db.session.scalars(select(ModAction.action).order_by(ModAction.id)).all() == [
        "domain:allow", "domain:disallow"]
    finished = client.submit(link, {"username": "rhonda", "password": "correct horse battery"})
    assert finished.status_code == 403 and "throwaway" in finished.text
    assert users() == 1  # the admin only


@pytest.mark.parametrize("text, message", [
    ("example.com", "is not on the list"),
    ("not a domain", "Enter a domain"),
])
def test_only_a_listed_domain_can_be_allowed(admin, text, message):
    with pytest.raises(FieldError, match=message):
        domains.allow_domain(admin, text, "Because.")


def test_a_domain_is_allowed_once(admin_client, admin):
    domains.allow_domain(admin, "mailinator.com", "Trial.")
    again = admin_client.submit("/admin/domains", {"domain": "mailinator.com", "reason": "Again."})
    assert again.status_code == 422 and "is allowed already" in again.text
    assert db.session.scalar(select(func.count(AllowedEmailDomain.id))) == 1


def test_members_and_moderators_may_not_allow_domains(client):
    client.sign_in(make_user(role="moderator"))
    assert client.get("/admin/domains").status_code == 403
    assert client.submit("/admin/domains", {"domain": "mailinator.com", "reason": "x"}).status_code == 403


def test_the_setting_turns_the_check_off(app, client, smtp_server):
    app.config["REFUSE_DISPOSABLE_EMAIL"] = False
    assert ask(client, "rhonda@mailinator.com").status_code == 302


def test_the_service_refuses_it_too(app):
    with pytest.raises(FieldError):
        signup.start(signup.Pending("rhonda", "Rhonda Bird", "rhonda@mailinator.com"))
