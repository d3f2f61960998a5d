"""An admin resets the two-factor sign-in of a member who lost phone and codes, from a page left open past
the fresh-sign-in window: the password is asked, the reason typed is kept, and "Send it now" carries the
reset out. Then an admin makes invitations past their limit. JavaScript on and off, phone and desktop,
light and dark."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from forum.auth.service import two_factor
from forum.database import write_transaction
from forum.extensions import db
from forum.models import LoginSession, RecoveryCode, User
from forum.models.base import utcnow
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser

REASON = "Lost phone and codes; checked by a video call."
LAYOUTS = {"phone-dark": {"viewport": {"width": 390, "height": 844}, "color_scheme": "dark"},
           "desktop-light": {"viewport": {"width": 1280, "height": 900}, "color_scheme": "light"}}


def sign_in(page, base_url, username):
    """Through the form; on a phone the Sign out button is in the closed menu, so the flash says it."""
    page.goto(base_url + "/login")
    page.get_by_label("Username or email", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#flash")).to_contain_text("Signed in as")


def make_stale(app, username):
    with app.app_context(), write_transaction(public=False) as session:
        user = session.scalar(db.select(User).where(User.username == username))
        for record in session.scalars(db.select(LoginSession).where(LoginSession.user_id == user.id)):
            record.confirmed_at = utcnow() - timedelta(hours=2)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_two_factor_reset_sent_from_a_stale_page(javascript, layout, live_app, live_server, new_context,
                                                    axe_check, screenshot):
    with live_app.app_context():
        make_user(username="boss", display_name="Bo Admin", role="admin")
        member = make_user(username="lou", display_name="Lou Phone", email="lou@example.com")
        with write_transaction(public=False) as session:
            session.get(User, member.id).totp_secret = two_factor.new_secret()
            session.add(RecoveryCode(user_id=member.id, code_hash="0" * 64))
        member_url = f"{live_server}/admin/members/{member.id}"
    page = new_context(javascript, **LAYOUTS[layout]).new_page()
    sign_in(page, live_server, "boss")
    page.goto(member_url)
    expect(page.get_by_role("heading", name="Two-factor sign-in: on")).to_be_visible()
    page.get_by_text("Reset it…").click()
    page.get_by_label("Reason, for staff").fill(REASON)
    axe_check(page, "the member page with the reset form open")
    screenshot(page, "member-page")

    make_stale(live_app, "boss")  # the page was left open too long
    page.get_by_role("button", name="Reset two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Confirm your password")).to_be_visible()
    expect(page.get_by_text("the form you sent was not sent on")).to_be_visible()
    if javascript:
        expect(page.get_by_label("Password", exact=True)).to_be_focused()
    with live_app.app_context():
        assert db.session.get(User, member.id).totp_secret is not None  # nothing done yet
    axe_check(page, "the password asked for a stale form")
    screenshot(page, "confirm")

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your password is confirmed")).to_be_visible()
    page.get_by_text("What the form says").click()
    expect(page.locator("dl.kept-fields")).to_contain_text(REASON)
    axe_check(page, "the form offered again")
    screenshot(page, "send-again")

    page.get_by_role("button", name="Send it now").click()
    expect(page.locator("#flash")).to_contain_text("Two-factor sign-in for @lou is reset")
    expect(page.get_by_role("heading", name="Two-factor sign-in: off")).to_be_visible()
    screenshot(page, "reset")
    with live_app.app_context():
        assert db.session.get(User, member.id).totp_secret is None


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_invitations_past_the_limit_say_why_beside_the_button(javascript, live_app, live_server, new_context,
                                                               axe_check, screenshot):
    live_app.config["INVITE_RATE_LIMIT"] = "1 per day"
    with live_app.app_context():
        make_user(username="boss", display_name="Bo Admin", role="admin")
    page = new_context(javascript, **LAYOUTS["phone-dark"]).new_page()
    sign_in(page, live_server, "boss")
    page.goto(live_server + "/invites")
    page.get_by_role("button", name="Make an invitation link").click()
    expect(page.locator("code.invite-link")).to_be_visible()
    page.get_by_role("button", name="Make an invitation link").click()
    refusal = page.locator("#invite-limit")
    expect(refusal).to_contain_text("You have made 1 invitation per day, the most allowed.")
    axe_check(page, "the invitations page past the limit")
    screenshot(page, "invites-limit")
