"""Registration: the form mails a link whatever the address, and only the mail says whether it has an account."""

import re

import pytest
from forum import mail
from forum.admin.service import blocks
from forum.auth.service import signup
from forum.auth.service.blocks import REFUSED
from forum.extensions import db
from forum.models import User
from tests.factories import PASSWORD, make_user
from tests.mail_server import finish_link, links_in, text_of

PER_REQUEST = re.compile(r'(name="csrf_token" value=|"X-CSRFToken": ?|nonce=)"[^"]+"')


def ask(client, **overrides):
    """Send the registration form (step one); no password on it."""
    data = {"username": "rhonda", "display_name": "Rhonda Bird", "name_style": "full", "email": "rhonda@example.com"}
    data.update(overrides)
    return client.submit("/register", data)


def user_count() -> int:
    return db.session.scalar(db.select(db.func.count(User.id)))


def sent_page(client) -> str:
    """The page a visitor lands on after the form, without what changes on every request (CSRF token, nonces)."""
    return PER_REQUEST.sub("", client.get("/register/sent").text)


# The form


def test_register_page_has_labelled_fields_and_no_password(client):
    page = client.get("/register")
    assert page.status_code == 200
    for field_id, label in [("username", "Username"), ("display_name", "Display name"), ("email", "Email")]:
        assert f'<label for="{field_id}">{label}</label>' in page.text
    assert 'type="password"' not in page.text  # chosen on the page the mailed link opens


@pytest.mark.parametrize("username, message", [
    ("ab", "3 to 20 characters"),
    ("a" * 21, "3 to 20 characters"),
    ("admin", "reserved"),
    ("ＡＤＭＩＮ", "reserved"),  # full-width letters fold to "admin"
    ("moderator2", "reserved"),
    ("аdmin", "Use only letters a–z"),  # Cyrillic "а"
    ("bad name", "Use only letters a–z"),
    ("_under", "Use only letters a–z"),
])
def test_register_refuses_bad_usernames(client, smtp_server, username, message):
    response = ask(client, username=username)
    assert response.status_code == 422 and message in response.text
    mail.wait_for_background()
    assert smtp_server.messages == [] and user_count() == 0


def test_register_refuses_a_taken_username_in_another_case(client):
    make_user(username="rhonda")
    response = ask(client, username="RHONDA", email="other@example.com")
    assert response.status_code == 422 and "That username is taken" in response.text


@pytest.mark.parametrize("display_name", ["Evil\u202eName", "Zero\u200bWidth", "Tab\x07bell"])
def test_register_refuses_invisible_characters_in_display_names(client, display_name):
    response = ask(client, display_name=display_name)
    assert response.status_code == 422 and "invisible or control characters" in response.text


def test_register_keeps_what_was_typed_when_refused(client):
    response = ask(client, username="admin", display_name="Kept Name", email="kept@example.com")
    assert 'value="Kept Name"' in response.text and 'value="kept@example.com"' in response.text


# Finding 8: the answer is the same whether the address has an account or not


def test_an_address_with_an_account_gets_the_same_answer_and_its_owner_a_mail(client, smtp_server):
    make_user(username="rhonda_b", display_name="Rhonda B", email="rhonda@example.com")
    # (With the password the form used to ask for, which it now ignores: before, this said "already exists".)
    known = ask(client, username="rhonda2", email="Rhonda@Example.com", password=PASSWORD)
    known_page = sent_page(client)
    unknown = ask(client, username="rhonda3", email="Nobody@Example.com", password=PASSWORD)
    unknown_page = sent_page(client)
    assert known.status_code == unknown.status_code == 302
    assert known.location == unknown.location == "/register/sent"
    assert "already exists" not in known_page and "Check your email" in known_page
    assert known_page == unknown_page.replace("Nobody@Example.com", "Rhonda@Example.com")  # not a character of difference

    owner_mail = smtp_server.last_to("rhonda@example.com")
    assert owner_mail["Subject"] == "You already have an account on Forum"
    assert "It already has an account: @rhonda_b." in text_of(owner_mail)
    assert links_in(owner_mail) == ["/login", "/password/reset"]  # sign in or reset; no link that makes an account
    assert links_in(smtp_server.last_to("nobody@example.com"))[0].startswith("/register/finish/")
    assert user_count() == 1


def test_both_answers_cost_the_same_queries(client, smtp_server, queries):
    """Timing: the same lookups run whether or not the address has an account (and mail leaves in the background)."""
    make_user(username="rhonda_b", email="rhonda@example.com")
    ask(client, username="warm_up", email="warm@example.com")  # first-request work out of the way
    counts = []
    for n, address in enumerate(("rhonda@example.com", "nobody@example.com")):
        before = len(queries)
        assert ask(client, username=f"newcomer{n}", email=address).status_code == 302
        counts.append(len(queries) - before)
    assert counts[0] == counts[1]


def test_a_new_address_gets_a_link_that_creates_the_account_and_signs_in(client, smtp_server):
    sent = ask(client, username="  RhOnDa ", next="/c/news")
    assert sent.status_code == 302 and user_count() == 0  # nothing is made before the link is followed
    message = smtp_server.last_to("rhonda@example.com")
    assert message["Subject"] == "Finish creating your account on Forum" and "works for 24 hours" in text_of(message)
    assert "Rhonda Bird" not in text_of(message)  # nothing free-text a stranger typed reaches the inbox
    link = finish_link(message)
    form = client.get(link)
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    assert 'value="rhonda"' in form.text and 'autocomplete="new-password"' in form.text
    done = client.submit(link, {"username": "rhonda", "password": PASSWORD})
    assert done.status_code == 302 and done.location == "/c/news"
    user = db.session.scalar(db.select(User))
    assert (user.username, user.display_name, user.email) == ("rhonda", "Rhonda Bird", "rhonda@example.com")
    assert user.password_hash.startswith("$argon2id$")
    home = client.get("/").text
    assert "Welcome, Rhonda Bird! Your account is ready" in home and "Sign out" in home


def test_the_helper_registers_through_the_mail(client, smtp_server):
    response = client.register_through_mail(smtp_server, username="lou_d", email="lou@example.com")
    assert response.status_code == 302 and "Sign out" in client.get("/").text
    assert db.session.scalar(db.select(User.username)) == "lou_d"


def test_the_link_works_once(client, app, smtp_server):
    ask(client)
    link = finish_link(smtp_server.last_to("rhonda@example.com"))
    assert client.submit(link, {"username": "rhonda", "password": PASSWORD}).status_code == 302
    again = app.test_client()
    for response in (again.get(link), again.submit(link, {"username": "rhonda9", "password": PASSWORD})):
        assert response.status_code == 410 and "This link has been used already" in response.text
    assert user_count() == 1


def test_a_second_link_for_the_same_address_is_used_up_by_the_first(client, smtp_server):
    ask(client, username="first")
    first = finish_link(smtp_server.last_to("rhonda@example.com"))
    ask(client, username="second")
    second = finish_link(smtp_server.last_to("rhonda@example.com"))
    assert client.submit(second, {"username": "second", "password": PASSWORD}).status_code == 302
    assert client.get(first).status_code == 410
    assert db.session.scalar(db.select(User.username)) == "second"


def test_an_expired_or_garbled_link_is_refused(client, app, smtp_server):
    ask(client)
    link = finish_link(smtp_server.last_to("rhonda@example.com"))
    forged = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    for bad in ("/register/finish/garbage", forged, link[:-10]):
        response = client.get(bad)
        assert response.status_code == 400 and "This link is not valid" in response.text, bad
    app.config["REGISTER_LINK_MAX_AGE"] = -1  # any age is too old now
    response = client.submit(link, {"username": "rhonda", "password": PASSWORD})
    assert response.status_code == 410 and "This link has expired" in response.text
    assert 'href="/register">Register</a>' in response.text and user_count() == 0


def test_a_username_taken_since_the_mail_can_be_changed_on_the_link_page(client, smtp_server):
    ask(client)
    link = finish_link(smtp_server.last_to("rhonda@example.com"))
    make_user(username="rhonda")
    taken = client.submit(link, {"username": "rhonda", "password": PASSWORD})
    assert taken.status_code == 422 and "That username is taken" in taken.text
    assert PASSWORD not in taken.text  # passwords are never echoed
    assert client.submit(link, {"username": "rhonda_bird", "password": PASSWORD}).status_code == 302
    assert db.session.scalar(db.select(User.email).where(User.username == "rhonda_bird")) == "rhonda@example.com"


def test_a_short_password_is_refused_on_the_link_page(client, smtp_server):
    ask(client)
    link = finish_link(smtp_server.last_to("rhonda@example.com"))
    response = client.submit(link, {"username": "rhonda", "password": "short"})
    assert response.status_code == 422 and "Use 8 to 128 characters." in response.text and user_count() == 0


# Blocks: the network's may be said (it is the visitor's own); the address's only by mail


def test_a_blocked_address_gets_the_same_answer_and_the_reason_by_mail(client, smtp_server, admin):
    blocks.add_block(admin, "email", "foobar@gmail.com", "Ban evasion.")
    response = ask(client, email="foo.bar+new@gmail.com")
    assert response.status_code == 302 and response.location == "/register/sent"
    message = smtp_server.last_to("foo.bar+new@gmail.com")
    assert REFUSED in text_of(message) and links_in(message) == []


def test_a_link_followed_after_the_address_was_blocked_makes_nothing(client, smtp_server, admin):
    ask(client)
    link = finish_link(smtp_server.last_to("rhonda@example.com"))
    blocks.add_block(admin, "email", "rhonda@example.com", "Spam.")
    response = client.submit(link, {"username": "rhonda", "password": PASSWORD})
    assert response.status_code == 403 and "Registration from this address is not possible" in response.text
    assert user_count() == 1  # the admin alone


def test_a_blocked_network_is_refused_on_the_page_before_usernames_are_looked_at(client, smtp_server, admin):
    blocks.add_block(admin, "ip", "203.0.113.0/24", "Spam wave.")
    for username in ("boss", "newcomer"):  # taken or free: the same answer
        response = client.submit("/register", {"username": username, "display_name": "New Comer", "name_style": "full",
                                               "email": "new@example.com"}, environ_base={"REMOTE_ADDR": "203.0.113.50"})
        assert response.status_code == 422 and 'id="email-error">Registration from this address' in response.text
    mail.wait_for_background()
    assert smtp_server.messages == []


# The service, as the command line and the link use it


def test_start_says_which_mail_went_out(app, smtp_server):
    make_user(email="taken@example.com")
    assert signup.start(signup.Pending("newcomer", "New Comer", "taken@example.com")) == "existing"
    assert signup.start(signup.Pending("newcomer", "New Comer", "free@example.com")) == "finish"
