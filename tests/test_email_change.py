"""Changing the email address: the new address is confirmed by a mailed link (single-use, expiring)
before it replaces the old, and the old address is told. Mail is read from the suite's SMTP server."""

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import User
from tests.factories import PASSWORD, make_user
from tests.mail_server import links_in, text_of

NEW = "rhonda.new@example.org"


@pytest.fixture
def member(app):
    return make_user(username="rhonda", email="rhonda@example.com")


@pytest.fixture
def signed_in(client, member):
    client.sign_in(member)
    return client


def ask(client, email=NEW, password=PASSWORD):
    return client.submit("/settings/email/address", {"email": email, "password": password})


def confirm_link(inbox, address=NEW) -> str:
    links = [link for link in links_in(inbox.last_to(address)) if "/settings/email/confirm/" in link]
    assert len(links) == 1
    return links[0]


def email_of(member) -> str:
    return db.session.scalar(select(User.email).where(User.id == member.id))


def test_the_new_address_is_confirmed_before_it_replaces_the_old(signed_in, member, smtp_server):
    answer = ask(signed_in)
    assert answer.status_code == 302
    assert "keeps its current address until you open it" in signed_in.get("/settings/email").text
    link = confirm_link(smtp_server)
    assert email_of(member) == "rhonda@example.com"  # nothing changed yet
    page = signed_in.get(link)
    assert page.status_code == 200 and f"Use {NEW}" in page.text
    assert email_of(member) == "rhonda@example.com"  # opening the link (a mail scanner may) changes nothing
    done = signed_in.submit(link)
    assert done.status_code == 302 and email_of(member) == NEW
    notice = smtp_server.last_to("rhonda@example.com")
    assert "was changed to r…@example.org" in text_of(notice)
    assert NEW not in text_of(notice)


def test_the_link_works_once(signed_in, member, smtp_server):
    ask(signed_in)
    link = confirm_link(smtp_server)
    assert signed_in.submit(link).status_code == 302
    again = signed_in.submit(link)
    assert again.status_code == 410 and "used already" in again.text


def test_the_link_works_from_a_browser_that_is_not_signed_in(signed_in, member, smtp_server, app):
    ask(signed_in)
    link = confirm_link(smtp_server)
    other = app.test_client()
    assert other.submit(link).status_code == 302
    assert email_of(member) == NEW


def test_the_link_expires(signed_in, member, smtp_server, app):
    ask(signed_in)
    link = confirm_link(smtp_server)
    app.config["EMAIL_CHANGE_MAX_AGE"] = -1
    answer = signed_in.submit(link)
    assert answer.status_code == 410 and "expired" in answer.text
    assert email_of(member) == "rhonda@example.com"


def test_an_older_link_stops_working_once_the_address_changed(signed_in, member, smtp_server):
    ask(signed_in, email="first@example.org")
    first = confirm_link(smtp_server, "first@example.org")
    ask(signed_in)
    assert signed_in.submit(confirm_link(smtp_server)).status_code == 302
    assert signed_in.submit(first).status_code == 410
    assert email_of(member) == NEW


def test_a_garbled_link_is_refused(signed_in):
    assert signed_in.get("/settings/email/confirm/not-a-token").status_code == 400


def test_the_password_is_asked_and_kept_out_of_the_page(signed_in, member, smtp_server):
    answer = ask(signed_in, password="not my password")
    assert answer.status_code == 422 and "not your current password" in answer.text
    assert f'value="{NEW}"' in answer.text and "not my password" not in answer.text
    assert smtp_server.messages == []


def test_an_address_with_an_account_is_told_only_in_its_mail(signed_in, member, smtp_server):
    make_user(email=NEW)
    answer = ask(signed_in)
    assert answer.status_code == 302  # the same answer as for a free address
    mail = smtp_server.last_to(NEW)
    assert "cannot be used" in text_of(mail) and not [link for link in links_in(mail) if "/confirm/" in link]
    assert email_of(member) == "rhonda@example.com"


def test_a_throwaway_address_or_the_same_address_is_refused(signed_in, smtp_server):
    assert "throwaway" in ask(signed_in, email="rhonda@mailinator.com").text
    assert "uses this address already" in ask(signed_in, email="Rhonda@Example.com").text


def test_an_address_taken_after_the_link_was_sent_is_not_taken_over(signed_in, member, smtp_server):
    ask(signed_in)
    link = confirm_link(smtp_server)
    make_user(email=NEW)
    answer = signed_in.submit(link)
    assert answer.status_code == 410 and email_of(member) == "rhonda@example.com"


def test_guests_cannot_ask(client):
    answer = client.submit("/settings/email/address", {"email": NEW, "password": PASSWORD})
    assert answer.status_code == 302 and "/login" in answer.location
