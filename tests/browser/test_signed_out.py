"""A ban signs a member out everywhere; the browser that was signed in is told why, and nothing typed
is lost. With JavaScript, pressing Reply in a tab opened before the ban answers with the notice in
place and the reply stays in the composer; without it, the next page shows the notice, and a reply
sent is shown back. Another visitor sees nothing of it."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.extensions import db
from forum.models import Category, User
from forum.moderation.service import sanctions
from forum.moderation.service.sanctions import SanctionRequest
from tests.browser.visitor import Console, Visitor, posts
from tests.factories import make_thread, make_user

pytestmark = pytest.mark.browser

REASON = "Advertising a shop in every thread."
TYPED = "Here is what I think about the new bus timetable, at length."
# Chromium reports every 4xx answer on the console; the refused reply is the one this journey expects.
REFUSED = re.compile(r"Failed to load resource: the server responded with a status of 401\b")


@pytest.fixture
def forum(live_app, live_server):
    with live_app.app_context():
        general = db.session.scalar(select(Category).where(Category.slug == "general"))
        make_user(username="ada", display_name="Ada Admin", role="admin")
        make_user(username="otto", display_name="Otto Author")
        thread = make_thread(category=general, title="The new bus timetable", body="What do you make of it?")
        return {"base": live_server, "thread_url": f"{live_server}/t/{thread.id}-{thread.slug}"}


def ban_otto(live_app):
    with live_app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "ada"))
        otto = db.session.scalar(select(User).where(User.username == "otto"))
        sanctions.issue(admin, otto, SanctionRequest(kind="ban", reason=REASON))
        db.session.remove()


def test_a_stale_tab_keeps_the_reply_and_is_told_why(forum, live_app, new_context, axe_check, screenshot):
    console = Console()
    otto = Visitor(new_context(True), True, name="otto", console=console)
    otto.sign_in(forum["base"], "otto")
    page = otto.page
    page.set_viewport_size({"width": 390, "height": 844})  # a phone, where the notice once hid the page
    page.goto(forum["thread_url"])
    box = page.locator("#reply-body")
    with page.expect_response(lambda r: r.url.endswith("/draft")):  # saved while still signed in, so no
        box.fill(TYPED)  # autosave lands later, after the notice is forgotten (with a cleared session's token)

    ban_otto(live_app)
    console.step = "refused"
    armed = otto.arm()
    with page.expect_response(lambda r: r.url.endswith("/reply")) as answered:
        page.locator("#reply-form").get_by_role("button", name="Reply").click()
    assert answered.value.status == 401
    # in the page's flow just above the composer, not over it in the sticky #flash region
    notice = page.locator("#signed-out-in-place + #reply-form").locator("xpath=preceding-sibling::*[1]") \
        .locator("section.signed-out")
    expect(notice.get_by_role("heading")).to_have_text(
        "You were signed out: your account is banned, with no end date.")
    expect(notice.get_by_role("heading")).to_be_focused()  # in view, and read out
    expect(page.locator("#flash section.signed-out")).to_have_count(0)
    expect(page.locator("#flash")).to_have_text("Not sent: you were signed out. What you typed is still in the form.")
    assert page.locator("#flash").bounding_box()["height"] < 120
    header = page.locator("#account-nav")  # the header says who the browser is now: a guest
    expect(header.get_by_role("button", name="Sign out", include_hidden=True)).to_have_count(0)
    expect(header.get_by_role("link", name="New thread", include_hidden=True)).to_have_count(0)
    expect(header).not_to_contain_text("Otto")
    expect(notice).to_contain_text(REASON)
    expect(notice.get_by_role("link", name="Your standing")).to_be_visible()
    expect(notice.get_by_role("link", name="Appeal the ban")).to_be_visible()
    expect(box).to_have_value(TYPED)  # nothing swapped: the reply is still in the composer
    expect(posts(page)).to_have_count(1)
    otto.assert_same_document(armed)
    axe_check(page, "the stale tab with the signed-out notice")
    screenshot(page, "stale-tab-notice")

    # a second refusal replaces the notice rather than adding one
    with page.expect_response(lambda r: r.url.endswith("/reply")):
        page.locator("#reply-form").get_by_role("button", name="Reply").click()
    expect(page.locator("#flash")).to_contain_text("Not sent")
    expect(page.locator("section.signed-out")).to_have_count(1)

    page.wait_for_timeout(200)  # the console reports the 401 a moment after the answer
    console.step = "forgotten"
    page.get_by_role("button", name="Forget this notice on this browser").click()
    expect(page.locator("section.signed-out")).to_have_count(0)
    expect(page.locator("#flash")).to_have_text("Notice removed. This browser will not show it again.")
    expect(box).to_have_value(TYPED)  # removed in place: the composer still holds the reply
    otto.assert_same_document(armed)
    expect(page.locator("main#main")).to_be_focused()  # not <body>: the next Tab goes on from the page's content
    axe_check(page, "the stale tab after forgetting the notice")
    screenshot(page, "notice-forgotten")

    console.step = "reloaded"
    page.reload()
    expect(page.locator("section.signed-out")).to_have_count(0)  # forgotten on this browser
    expect(page.get_by_role("button", name="Sign out", include_hidden=True)).to_have_count(0)  # not signed back in
    screenshot(page, "reloaded")

    guest = Visitor(new_context(True), True, name="guest", console=console)
    guest.page.goto(forum["thread_url"])
    expect(guest.page.locator("section.signed-out")).to_have_count(0)
    expect(guest.page.locator("main")).not_to_contain_text(REASON)
    expect(guest.page.get_by_role("link", name="Sign in to reply")).to_be_visible()

    unexpected = [line for line in console.errors if not (line.startswith("[refused] otto:") and REFUSED.search(line))]
    assert unexpected == [], "Console errors:\n" + "\n".join(unexpected)


def test_without_javascript_the_next_page_says_why(forum, live_app, new_context, axe_check, screenshot):
    otto = Visitor(new_context(False), False, name="otto")
    otto.sign_in(forum["base"], "otto")
    page = otto.page
    stale = page.context.new_page()  # a second tab, opened before the ban, a reply typed in it
    stale.goto(forum["thread_url"])
    stale.locator("#reply-body").fill(TYPED)
    ban_otto(live_app)

    page.goto(forum["thread_url"])  # the next page the browser loads
    notice = page.locator("section.signed-out")
    expect(notice.get_by_role("heading")).to_contain_text("You were signed out: your account is banned")
    expect(notice).to_contain_text(REASON)
    axe_check(page, "the thread page with the signed-out notice, no JavaScript")
    screenshot(page, "next-page-notice")

    stale.locator("#reply-form").get_by_role("button", name="Reply").click()  # sent: shown back, with why
    expect(stale.get_by_role("heading", name="Not sent: you were signed out")).to_be_visible()
    expect(stale.get_by_label("Your text")).to_have_value(TYPED)
    expect(stale.locator("section.signed-out")).to_contain_text(REASON)
    axe_check(stale, "the refused reply page, no JavaScript")
    screenshot(stale, "reply-shown-back")

    stale.locator("section.signed-out").get_by_role("link", name="Your standing").click()
    expect(stale.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(stale.locator("section.signed-out")).to_contain_text(REASON)  # the sign-in page says so too
    screenshot(stale, "sign-in-notice")

    page.get_by_role("button", name="Forget this notice on this browser").click()  # back to the same page
    expect(page).to_have_url(forum["thread_url"])
    expect(page.locator("#flash")).to_have_text("Notice removed. This browser will not show it again.")
    expect(page.locator("section.signed-out")).to_have_count(0)
    screenshot(page, "forgotten")
