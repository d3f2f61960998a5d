"""A reply refused for coming too fast keeps what was typed: with JavaScript the composer comes back
with the text and, beside it, when to try again; without, the thread page does."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.extensions import db
from forum.models import Category
from tests.browser.visitor import Visitor, posts
from tests.factories import make_thread, make_user

pytestmark = pytest.mark.browser

LAST = "The one that came too soon, typed with care."


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_limited_reply_keeps_its_text(javascript, live_app, live_server, new_context, axe_check, screenshot):
    with live_app.app_context():
        general = db.session.scalar(select(Category).where(Category.slug == "general"))
        make_user(username="wren", display_name="Wren Writer")
        thread = make_thread(category=general, title="Trying the limits", body="Reply a few times.")
        url, limit = f"{live_server}/t/{thread.id}-{thread.slug}", 3  # NEW_MEMBER_REPLY_RATE_LIMIT: 3 a minute
    wren = Visitor(new_context(javascript), javascript, name="wren")
    wren.sign_in(live_server, "wren")
    page = wren.page
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the thread page is long
    page.goto(url)
    for n in range(limit):
        page.locator("#reply-body").fill(f"Reply number {n}.")
        page.locator("#reply-form").get_by_role("button", name="Reply").click()
        expect(posts(page)).to_have_count(n + 2)
    page.locator("#reply-body").fill(LAST)
    armed = wren.arm() if javascript else None
    with page.expect_response(lambda r: r.url.endswith("/reply")) as answered:
        page.locator("#reply-form").get_by_role("button", name="Reply").click()
    assert answered.value.status == 429
    box = page.locator("#reply-body")
    expect(box).to_have_value(LAST)
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#reply-body-error")).to_have_text(
        re.compile(r"^You have reached the limit of 3 replies per minute for new members\. You can post again in \d+ seconds\.$"))
    expect(box).to_have_attribute("aria-describedby", "reply-body-error")
    if javascript:
        wren.assert_same_document(armed)
    else:  # the whole thread page answers: the box with the message and the text has the focus, in view
        expect(box).to_be_focused()
        expect(box).to_be_in_viewport()
    expect(posts(page)).to_have_count(limit + 1)
    axe_check(page, "the composer refused for coming too fast")
    screenshot(page, "slowed-down")
