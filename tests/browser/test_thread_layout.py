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


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_wrapped_category_keeps_its_pill_beside_it_and_the_queues_hide_is_a_button(
        scheme, new_context, live_app, live_server, axe_check, screenshot):
    """The sidebar's long members-only name wrapped and a flex row pushed its pill to the far right; in
    the review queue "Hide" looked like a link beside the "Dismiss flags" button."""
    from forum.moderation.service.flags import flag_post
    from tests.factories import make_category
    with live_app.app_context():
        make_category(name="Members' Lounge and Long Talk", slug="lounge", members_only=True)
        make_user(username="moe", display_name="Mo Moderator", role="moderator")
        thread = make_thread(title="Elm Street branch", body="The council voted.")
        flag_post(make_reply(thread, body="Buy cheap watches."), make_user(), "spam", "An advert.")
        thread_id = thread.id
    page = new_context(color_scheme=scheme, viewport={"width": 1280, "height": 800}).new_page()
    page.goto(live_server + "/login")
    page.get_by_label("Username or email", exact=True).fill("moe")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(live_server + "/")
    link = page.locator(".categories a", has_text="Members' Lounge")
    pill, box = link.locator(".badge-members").bounding_box(), link.bounding_box()
    assert pill["x"] + pill["width"] < box["x"] + box["width"] - 20, "the pill follows the name, not the far edge"
    screenshot(page, f"sidebar-{scheme}")
    page.goto(live_server + "/mod")
    hide = page.locator(".queue-actions .mod-hide summary")
    dismiss = page.locator(".queue-actions").get_by_role("button", name="Dismiss flags")
    for style in ("border-top-style", "border-top-color", "font-weight", "border-radius"):
        assert hide.evaluate(f"e => getComputedStyle(e)['{style}']") == \
            dismiss.evaluate(f"e => getComputedStyle(e)['{style}']"), style
    assert abs(hide.bounding_box()["height"] - dismiss.bounding_box()["height"]) < 2
    screenshot(page, f"queue-{scheme}")
    axe_check(page, f"the review queue, {scheme}")
    # A post's staff row: "Sanction author" shared its class name with the standing page's appeal forms,
    # took their style (a rule above, a margin), and sat lower than "Hide" beside it on a phone.
    page.goto(live_server + f"/t/{thread_id}")
    sanction = page.locator(".post-actions .sanction-author").last
    assert sanction.evaluate("e => [getComputedStyle(e).borderTopStyle, getComputedStyle(e).marginTop]") == \
        ["none", "0px"]
