"""Registration blocks: canonical email addresses, IP networks, the admin page, and registration."""

import pytest
from sqlalchemy import func, select

from forum.admin.service import blocks
from forum.auth.service import blocks as registration_blocks
from forum.auth.service import accounts
from forum.extensions import db
from forum.models import ModAction, RegistrationBlock, User
from forum.refusals import FieldError
from tests.factories import PASSWORD, make_user
from tests.mail_server import links_in, text_of


def blocked(kind, value, admin):
    return blocks.add_block(admin, kind, value, "Ban evasion.")


def block_values():
    return set(db.session.scalars(select(RegistrationBlock.value)))


def input_tag(html, element_id):
    """The whole <input …> tag with this id."""
    start = html.rindex("<input", 0, html.index(f'id="{element_id}"'))
    return html[start:html.index(">", start) + 1]


def user_count():
    return db.session.scalar(select(func.count(User.id)))


# Canonical email addresses


@pytest.mark.parametrize("address, canonical", [
    ("Foo.Bar+x@GoogleMail.com", "foobar@gmail.com"),
    ("foobar@gmail.com", "foobar@gmail.com"),
    ("f.o.o.b.a.r+spam+more@gmail.com", "foobar@gmail.com"),
    ("  FooBar@Gmail.COM. ", "foobar@gmail.com"),
    ("first.last@example.com", "first.last@example.com"),  # other providers keep their dots…
    ("First.Last+news@Example.com", "first.last+news@example.com"),  # …and their +tags
    ("first.last+news@outlook.com", "first.last@outlook.com"),  # tags, not dots, for Outlook
    ("name+tag@fastmail.com", "name@fastmail.com"),
])
def test_canonical_email(address, canonical):
    assert blocks.canonical_mailbox(address) == canonical


def test_dots_count_outside_gmail():
    assert blocks.canonical_mailbox("foo.bar@example.com") != blocks.canonical_mailbox("foobar@example.com")
    assert blocks.canonical_mailbox("foo.bar@outlook.com") != blocks.canonical_mailbox("foobar@outlook.com")


@pytest.mark.parametrize("address", ["nobody", "@gmail.com", "+tag@gmail.com", "a@b", "a b@example.com", ""])
def test_not_an_email_address(address):
    with pytest.raises(FieldError):
        blocks.canonical_mailbox(address)


# IP addresses and networks


@pytest.mark.parametrize("text, canonical", [
    ("203.0.113.7", "203.0.113.7/32"),
    ("203.0.113.0/24", "203.0.113.0/24"),
    ("203.0.113.77/24", "203.0.113.0/24"),  # host bits dropped
    ("2001:DB8::1", "2001:db8::1/128"),
    ("2001:db8:0:0::/48", "2001:db8::/48"),
])
def test_canonical_network(text, canonical):
    assert blocks.canonical_network(text) == canonical


@pytest.mark.parametrize("text, problem", [
    ("999.1.1.1", "Enter an IP address"),
    ("example.com", "Enter an IP address"),
    ("0.0.0.0/0", "too wide"),
    ("10.0.0.0/7", "too wide"),
    ("::/0", "too wide"),
    ("127.0.0.1", "own address"),
    ("::1", "own address"),
])
def test_networks_that_cannot_be_blocked(text, problem):
    with pytest.raises(FieldError, match=problem):
        blocks.canonical_network(text)


def test_refuses_email_and_addresses_in_blocked_networks(app, admin):
    for kind, value in (("email", "Foo.Bar+x@GoogleMail.com"), ("ip", "203.0.113.0/24"),
                        ("ip", "198.51.100.7"), ("ip", "2001:db8:abcd::/48")):
        blocked(kind, value, admin)
    session = db.session

    def refused(email="someone@example.com", address=None):
        return registration_blocks.refuses(session, email, address)

    assert refused(email="foobar@gmail.com") and refused(email="F.O.O.bar+other@gmail.com")
    assert not refused(email="foo.bar@example.com") and not refused()
    assert refused(address="203.0.113.1") and refused(address="203.0.113.255")
    assert not refused(address="203.0.114.1")
    assert refused(address="198.51.100.7") and not refused(address="198.51.100.8")  # a single address
    assert refused(address="2001:db8:abcd:12::5") and not refused(address="2001:db8:abce::5")
    assert refused(address="::ffff:203.0.113.9")  # IPv4 as IPv6 sees it
    assert not refused(address="not an address") and not refused(address=None)


# Adding and removing, through the service


def test_add_and_remove_are_logged_without_the_address_in_public(app, admin):
    block = blocked("email", "Someone+x@gmail.com", admin)
    assert (block.kind, block.value, block.created_by_id) == ("email", "someone@gmail.com", admin.id)
    blocks.remove_block(admin, block)
    assert block_values() == set()
    added, removed = db.session.scalars(select(ModAction).order_by(ModAction.id)).all()
    assert (added.action, removed.action) == ("block:add", "block:remove")
    assert added.public_reason == removed.public_reason == ""
    assert "someone@gmail.com" in added.details and "Ban evasion." in added.details


def test_the_same_mailbox_cannot_be_blocked_twice(app, admin):
    blocked("email", "foo.bar@gmail.com", admin)
    with pytest.raises(FieldError, match="blocked already"):
        blocked("email", "FooBar+again@googlemail.com", admin)


# Registration refuses what is blocked


def new_account(email="newcomer@example.com", username="newcomer"):
    return accounts.NewAccount(username, "New Comer", email, PASSWORD)


def test_register_refuses_a_blocked_email_in_any_spelling(app, admin):
    blocked("email", "foobar@gmail.com", admin)
    with pytest.raises(FieldError) as refused:
        accounts.register(new_account(email="Foo.Bar+x@GoogleMail.com"))
    assert (refused.value.field, refused.value.message) == ("email", registration_blocks.REFUSED)
    accounts.register(new_account(email="foo.bar@example.com"))  # a different mailbox


def test_register_refuses_an_address_from_a_blocked_network(app, admin):
    blocked("ip", "2001:db8::/32", admin)
    with pytest.raises(FieldError, match="not possible"):
        accounts.register(new_account(), remote_addr="2001:db8:1::9")
    assert accounts.register(new_account(), remote_addr="2001:db9::9").username == "newcomer"


def test_a_blocked_person_learns_nothing_about_existing_accounts(app, admin):
    blocked("email", "boss-again@example.com", admin)
    with pytest.raises(FieldError) as refused:
        accounts.register(new_account(email="boss-again@example.com", username="boss"))
    assert refused.value.message == registration_blocks.REFUSED


def registration(email="newcomer@example.com"):
    return {"username": "newcomer", "display_name": "New Comer", "name_style": "full", "email": email}


def test_the_registration_form_answers_a_blocked_email_like_any_other_and_the_mail_says_why(
        client, admin, smtp_server):
    blocked("email", "foobar@gmail.com", admin)
    before = user_count()
    response = client.submit("/register", registration("foo.bar+new@gmail.com"))
    assert response.status_code == 302 and response.location == "/register/sent"  # as for any address
    message = smtp_server.last_to("foo.bar+new@gmail.com")
    assert ("Registration from this address is not possible. "
            "Contact the forum's staff if you think this is a mistake.") in text_of(message)
    assert links_in(message) == [] and user_count() == before


def test_the_registration_form_refuses_a_blocked_network(client, admin, smtp_server):
    blocked("ip", "203.0.113.0/24", admin)
    before = user_count()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.50"
    response = client.submit("/register", registration())
    assert response.status_code == 422 and 'id="email-error">Registration from this address' in response.text
    assert user_count() == before
    client.environ_base["REMOTE_ADDR"] = "192.0.2.50"
    allowed = client.register_through_mail(smtp_server, **registration())
    assert allowed.status_code == 302 and user_count() == before + 1


# The blocks page


def test_blocks_page_lists_blocks_with_a_form(admin_client, admin):
    blocked("ip", "203.0.113.0/24", admin)
    response = admin_client.get("/admin/blocks")
    assert response.status_code == 200
    assert "203.0.113.0/24" in response.text and "Ban evasion." in response.text and "@boss" in response.text
    assert 'action="/admin/blocks" method="post"' in response.text
    assert 'data-hx-post="/admin/blocks" data-hx-target="#block-manager"' in response.text


def test_blocks_page_fragment_and_pages(app, admin_client, admin):
    app.config["ADMIN_BLOCKS_PER_PAGE"] = 2
    for n in range(3):
        blocked("email", f"person{n}@example.com", admin)
    first = admin_client.get("/admin/blocks").text
    assert "person2@example.com" in first and "person0@example.com" not in first
    assert '<a rel="next" href="/admin/blocks?page=2">' in first
    second = admin_client.fragment("/admin/blocks?page=2")
    assert second.status_code == 200
    assert second.text.lstrip().startswith('<div id="block-manager">')
    assert "person0@example.com" in second.text and "person2@example.com" not in second.text
    assert "HX-Request-Type" in second.headers["Vary"]
    assert admin_client.get("/admin/blocks?page=3").status_code == 404


def test_add_a_block_as_a_page(admin_client):
    response = admin_client.submit("/admin/blocks", {"kind": "email", "value": "Foo.Bar@GoogleMail.com",
                                                     "reason": "Ban evasion."})
    assert response.status_code == 302 and response.location == "/admin/blocks"
    assert block_values() == {"foobar@gmail.com"}
    assert "foobar@gmail.com can no longer register." in admin_client.get("/admin/blocks").text


def test_add_a_block_as_a_fragment(admin_client):
    response = admin_client.submit("/admin/blocks", {"kind": "ip", "value": "2001:db8::/48",
                                                     "reason": "Spam wave."}, htmx=True)
    assert response.status_code == 201
    assert response.text.lstrip().startswith('<div id="block-manager">')
    assert "2001:db8::/48" in response.text and "Spam wave." in response.text
    assert 'value=""' in input_tag(response.text, "block-value")  # a fresh form
    assert "can no longer register." in response.text and 'data-hx-swap-oob="true"' in response.text
    assert "HX-Request-Type" in response.headers["Vary"]
    assert block_values() == {"2001:db8::/48"}


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
@pytest.mark.parametrize("data, field, message", [
    ({"kind": "ip", "value": "not-an-ip", "reason": "r"}, "block-value", "Enter an IP address"),
    ({"kind": "email", "value": "not-an-email", "reason": "r"}, "block-value", "Enter an email address"),
    ({"kind": "ip", "value": "0.0.0.0/0", "reason": "r"}, "block-value", "too wide"),
    ({"kind": "email", "value": "x@example.com", "reason": ""}, "block-reason", "Say why"),
    ({"kind": "phone", "value": "x@example.com", "reason": "r"}, "block-kind", "Not a valid choice"),
], ids=["bad-ip", "bad-email", "too-wide", "no-reason", "bad-kind"])
def test_an_invalid_block_is_422_in_place(admin_client, htmx, data, field, message):
    response = admin_client.submit("/admin/blocks", data, htmx=htmx)
    assert response.status_code == 422
    error = response.text.split(f'id="{field}-error">')[1].split("</p>")[0]
    assert message in error
    assert ("<html" in response.text) is not htmx
    assert block_values() == set()


def test_a_duplicate_block_is_422(admin_client, admin):
    blocked("email", "foobar@gmail.com", admin)
    response = admin_client.submit("/admin/blocks", {"kind": "email", "value": "foo.bar+2@gmail.com",
                                                     "reason": "Again."}, htmx=True)
    assert response.status_code == 422 and "foobar@gmail.com is blocked already." in response.text


def test_remove_a_block_as_a_page(admin_client, admin):
    block = blocked("ip", "203.0.113.0/24", admin)
    response = admin_client.submit(f"/admin/blocks/{block.id}/delete")
    assert response.status_code == 302 and response.location == "/admin/blocks"
    assert block_values() == set()
    assert "203.0.113.0/24 may register again." in admin_client.get("/admin/blocks").text


def test_remove_a_block_as_a_fragment(admin_client, admin):
    kept = blocked("email", "kept@example.com", admin)
    block = blocked("ip", "203.0.113.0/24", admin)
    response = admin_client.submit(f"/admin/blocks/{block.id}/delete", htmx=True)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="block-manager">')
    assert f'id="block-{kept.id}"' in response.text and f'id="block-{block.id}"' not in response.text
    assert "may register again." in response.text
    assert block_values() == {"kept@example.com"}


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_removing_an_unknown_block_is_404(admin_client, htmx):
    response = admin_client.submit("/admin/blocks/999999/delete", htmx=htmx)
    assert response.status_code == 404


def test_blocks_do_not_touch_existing_members(client, admin):
    member = make_user(email="already@gmail.com")
    blocked("email", "already@gmail.com", admin)
    client.sign_in(member)
    assert client.get("/settings").status_code == 200
