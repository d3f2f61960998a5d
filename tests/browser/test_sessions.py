"""A member signs another browser out from the sessions page, with JavaScript on and off; the
other browser is signed out at once, and the page stays accessible after the swap."""

import pytest
from playwright.sync_api import expect

from tests.browser.visitor import sign_in
from tests.factories import make_user

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_signing_out_another_browser(javascript, live_app, live_server, new_context, axe_check, screenshot):
    with live_app.app_context():
        make_user(username="rhonda", display_name="Rhonda Bird")
    phone = new_context().new_page()
    sign_in(phone, live_server, "rhonda")
    page = new_context(javascript).new_page()
    sign_in(page, live_server, "rhonda")

    page.goto(live_server + "/settings")
    page.get_by_role("link", name="Where you are signed in").click()
    expect(page.get_by_role("heading", name="Where you are signed in")).to_be_visible()
    sessions = page.locator("#session-list li.session")
    expect(sessions).to_have_count(2)
    expect(sessions.filter(has_text="This browser")).to_have_count(1)
    axe_check(page, "the sessions page")
    screenshot(page, "sessions")

    other = sessions.filter(has_not_text="This browser")
    other.get_by_role("button", name="Sign out").click()
    expect(page.locator("#flash")).to_contain_text("That browser is signed out.")
    expect(sessions).to_have_count(1)
    expect(page.get_by_text("You are signed in on this browser only.")).to_be_visible()
    if javascript:  # the pressed button is gone with the swap: focus moves to the list, not <body>
        expect(page.locator("#session-list")).to_be_focused()
    axe_check(page, "the sessions page after signing a browser out")
    screenshot(page, "signed-out-elsewhere")

    phone.reload()
    expect(phone.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
