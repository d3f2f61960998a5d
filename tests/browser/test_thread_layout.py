"""The scannable thread page (issue 12) in a real browser: the phone header is one row with a menu
that opens without JavaScript, the footer stays at the bottom of a short page, the edit form keeps
the post's header and previews in place, and axe finds nothing in light or dark."""

import pytest
from playwright.sync_api import expect

from tests.browser.visitor import post
from tests.factories import PASSWORD, make_reply, make_thread, make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_on_a_phone_the_header_is_one_row_and_its_menu_opens_without_script(
        javascript, scheme, new_context, live_app, live_server, axe_check, screenshot):
    with live_app.app_context():
        make_user(username="lou", display_name="Lou DeMarco")
        thread = make_thread(title="Elm Street branch", body="The council voted.")
        path = f"/t/{thread.id}-{thread.slug}"
    context = new_context(javascript, color_scheme=scheme, viewport=PHONE)
    page = context.new_page()
    page.goto(live_server + "/login")
    # A short page: the footer sits at the bottom of the window, not under the form.
    footer = page.locator(".site-footer").bounding_box()
    assert abs(footer["y"] + footer["height"] - PHONE["height"]) < 1
    page.get_by_label("Username or email", exact=True).fill("lou")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.goto(live_server + path)
    bar = page.locator(".site-header .bar").bounding_box()
    assert bar["height"] < 64, "the phone header is one row"
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    expect(page.get_by_label("Search threads and posts")).to_be_hidden()
    screenshot(page, f"phone-{scheme}-menu-closed")
    axe_check(page, f"the thread on a phone, {scheme}")
    page.locator(".site-menu > summary").click()
    expect(page.get_by_label("Search threads and posts")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    screenshot(page, f"phone-{scheme}-menu-open")
    axe_check(page, f"the open menu on a phone, {scheme}")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_editing_keeps_the_posts_header_previews_in_place_and_cancels_back(
        scheme, new_context, live_app, live_server, axe_check, screenshot):
    with live_app.app_context():
        lou = make_user(username="lou", display_name="Lou DeMarco")
        thread = make_thread(title="Elm Street branch", body="The council voted.")
        reply = make_reply(thread, author=lou, body="First thoughts.")
        path, reply_id = f"/t/{thread.id}-{thread.slug}", reply.id
    context = new_context(True, color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("Username or email", exact=True).fill("lou")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.goto(live_server + path)
    # On a wide screen the menu's content is in the bar, and there is no Menu button.
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator(".site-menu > summary")).to_be_hidden()
    axe_check(page, f"the thread, {scheme}")
    mine = post(page, reply_id)
    expect(mine.locator(".post-number")).to_have_text("#2")
    mine.get_by_role("link", name="Edit").click()
    editing = page.locator(f"#p{reply_id}.post-editing")
    expect(editing.locator(".post-number")).to_have_text("#2")  # still the post's own header
    editing.get_by_label("Edit post").fill("**Second** thoughts.")
    editing.get_by_role("button", name="Preview").click()
    expect(editing.locator(".preview strong")).to_have_text("Second")
    expect(editing.get_by_label("Edit post")).to_have_value("**Second** thoughts.")  # the text stays
    screenshot(page, f"edit-preview-{scheme}")
    axe_check(page, f"the edit form with its preview, {scheme}")
    editing.get_by_role("link", name="Cancel").click()
    expect(mine.locator(".post-body")).to_have_text("First thoughts.")
