"""Invitations in a real browser, JavaScript on and off: with registration by invitation, an admin makes a
link, a newcomer without it is turned away, with it registers through the mailed link, and staff see who
invited whom; a member sees their trust level and what the next needs on their standing page."""

import json

import pytest
from playwright.sync_api import expect

from forum.database import write_transaction
from forum.models import SiteSetting
from tests.browser.visitor import sign_in
from tests.factories import PASSWORD, make_user
from tests.mail_server import finish_link

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_newcomer_joins_by_invitation(javascript, live_app, live_server, live_inbox, new_context, axe_check,
                                        screenshot):
    with live_app.app_context():
        admin = make_user(role="admin")
        admin_name, admin_shown = admin.username, admin.display_name
        with write_transaction() as session:
            session.merge(SiteSetting(name="REGISTRATION_MODE", value=json.dumps("invite")))
        live_app.extensions["settings"].forget()
    staff = new_context(javascript=javascript).new_page()
    sign_in(staff, live_server, admin_name)
    staff.goto(live_server + "/invites")
    staff.get_by_role("button", name="Make an invitation link").click()
    link = staff.locator("code.invite-link").inner_text()
    axe_check(staff, "the invitations page with a new link")
    screenshot(staff, "invitation-made")

    newcomer = new_context(javascript=javascript).new_page()
    newcomer.goto(live_server + "/register")
    expect(newcomer.get_by_role("heading", name="Registration is by invitation")).to_be_visible()
    newcomer.goto(link)
    expect(newcomer.get_by_text(f"You were invited by {admin_shown}")).to_be_visible()
    axe_check(newcomer, "the registration page with an invitation")
    newcomer.get_by_label("Username", exact=True).fill("invited")
    newcomer.get_by_label("Display name", exact=True).fill("Invited Person")
    newcomer.get_by_label("Email", exact=True).fill("invited@example.com")
    if javascript:
        expect(newcomer.locator('input[name="challenge"]')).not_to_have_value("", timeout=15_000)
    newcomer.get_by_role("button", name="Register").click()
    expect(newcomer.get_by_role("heading", name="Check your email")).to_be_visible()
    newcomer.goto(live_server + finish_link(live_inbox.last_to("invited@example.com")))
    newcomer.get_by_label("Password", exact=True).fill(PASSWORD)
    newcomer.get_by_role("button", name="Create my account").click()
    expect(newcomer.get_by_text("Your account is ready and you are signed in.")).to_be_visible()

    newcomer.goto(live_server + "/standing")
    expect(newcomer.get_by_role("heading", name="Trust level: New")).to_be_visible()
    expect(newcomer.get_by_text("To become member, you need:")).to_be_visible()
    axe_check(newcomer, "the standing page with the trust level")
    screenshot(newcomer, "standing")

    staff.goto(live_server + "/invites")
    expect(staff.get_by_role("link", name="Invited Person")).to_be_visible()
    staff.goto(live_server + "/u/invited/standing")
    expect(staff.get_by_role("heading", name="Trust level: New")).to_be_visible()
    staff.get_by_label("Regular, set by hand").check()
    staff.get_by_label("Why", exact=True).fill("Known to the organisers.")
    staff.get_by_role("button", name="Set trust level").click()
    expect(staff.get_by_text("trust level is now regular (set by hand)")).to_be_visible()
    expect(staff.get_by_role("heading", name="Trust level: Regular")).to_be_visible()
    screenshot(staff, "invitee-set-to-regular")
