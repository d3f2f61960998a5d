"""A staff member the site requires two-factor sign-in of is sent to set it up, scans (reads) the key,
signs out, signs in with a code from the app, then with a recovery code: JavaScript on and off."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import User
from tests.browser.visitor import sign_in
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


def password_step(page, live_server):
    page.goto(live_server + "/login")
    page.get_by_label("Username or email", exact=True).fill("rhonda")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_staff_enrol_then_sign_in_with_a_code_and_with_a_recovery_code(javascript, live_app, live_server,
                                                                        new_context, axe_check, screenshot):
    live_app.config["STAFF_TWO_FACTOR"] = "required"
    with live_app.app_context():
        make_user(username="rhonda", display_name="Rhonda Bird", role="moderator")
    page = new_context(javascript).new_page()
    page.goto(live_server + "/login")
    page.get_by_label("Username or email", exact=True).fill("rhonda")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Required, and not set up: every page sends her to set it up.
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    expect(page.locator("#flash")).to_contain_text("Your role requires two-factor sign-in")
    page.goto(live_server + "/mod")
    expect(page).to_have_url(live_server + "/settings/two-factor")
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    assert page.evaluate("document.querySelector('img.qr-code').naturalWidth") > 0  # drawn, CSP allowed it
    axe_check(page, "the two-factor set-up page")
    screenshot(page, "set-up")

    secret = page.locator("code.setup-key").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from your app").fill("000000")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    page.get_by_label("Code from your app").fill(totp.now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = [re.sub(r"\s", "", c) for c in page.locator("ul.recovery-codes code").all_inner_texts()]
    assert len(codes) == 10
    axe_check(page, "the recovery codes")
    screenshot(page, "recovery-codes")
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_text("Two-factor sign-in is on")).to_be_visible()
    page.goto(live_server + "/mod")
    expect(page).to_have_url(live_server + "/mod")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()

    # With a code from the app (the one used to enrol is spent: the app's next one).
    with live_app.app_context():
        member = db.session.scalar(db.select(User).where(User.username == "rhonda"))
        next_code = totp.at(member.totp_last_step * 30 + 30)
    password_step(page, live_server)
    page.goto(live_server + "/settings")  # no other page takes the half-way state
    expect(page).to_have_url(re.compile(r"/login\?next="))
    password_step(page, live_server)
    axe_check(page, "the code page")
    screenshot(page, "code")
    page.get_by_label("Code", exact=True).fill(next_code)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("#flash")).to_contain_text("Signed in as Rhonda Bird")
    page.get_by_role("button", name="Sign out").click()

    # With a recovery code; it works once.
    password_step(page, live_server)
    page.get_by_label("Code", exact=True).fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#flash")).to_contain_text("You used a recovery code: 9 left")
    screenshot(page, "signed-in-with-a-recovery-code")
    page.get_by_role("button", name="Sign out").click()
    password_step(page, live_server)
    page.get_by_label("Code", exact=True).fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("used already")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_the_code_page_is_not_a_way_in(live_app, live_server, new_context):
    with live_app.app_context():
        make_user(username="lou")
    page = new_context().new_page()
    page.goto(live_server + "/login/code")
    expect(page).to_have_url(live_server + "/login")
    sign_in(page, live_server, "lou")  # a member without two-factor sign-in goes straight in
