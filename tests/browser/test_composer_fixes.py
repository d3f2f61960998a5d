"""Issue 12's "wrong today" fixes that JavaScript drives, with JavaScript on and off: a restored
reply draft's target can be seen and cancelled; the sanction form shows the fields its kind needs."""

import re

import pytest
from playwright.sync_api import expect

from forum.posts.service.drafts import save_draft
from tests.browser.visitor import posts, sign_in
from tests.factories import make_reply, make_thread, make_user

pytestmark = pytest.mark.browser
BOTH = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])


@BOTH
def test_a_restored_reply_target_is_shown_and_can_be_cancelled(javascript, live_app, live_server, new_context,
                                                                  axe_check, screenshot):
    with live_app.app_context():
        thread = make_thread(author=make_user(), title="Bridge repairs", body="The bridge needs work.")
        lou = make_reply(thread, author=make_user(display_name="Lou Daniels", name_style="short"),
                         body="I can bring tools.")
        member = make_user(username="rhonda")
        save_draft(member, thread, "Count me in for Saturday.", lou.id)  # an earlier visit's draft
        thread_url, lou_id = f"{live_server}/t/{thread.id}-{thread.slug}", lou.id
    page = new_context(javascript=javascript).new_page()
    sign_in(page, live_server, "rhonda")
    page.goto(thread_url)
    context = page.locator("#reply-context")
    expect(context).to_be_visible()
    expect(context).to_contain_text("Replying to Lou D.")
    cancel = context.get_by_role("button", name=re.compile("Cancel|Stop replying"))
    expect(cancel).to_be_visible()
    screenshot(page, "restored-target")
    axe_check(page, "a restored draft with its target")
    cancel.click()
    expect(context).to_be_hidden()
    expect(page.locator("#reply-body")).to_have_value("Count me in for Saturday.")
    if javascript:
        expect(page.locator("#reply-body")).to_be_focused()
        page.wait_for_load_state("networkidle")  # the draft forgets its target before the reload
    page.reload()
    expect(page.locator("#reply-context")).to_be_hidden()
    expect(page.locator("#reply-body")).to_have_value("Count me in for Saturday.")
    screenshot(page, "after-cancel-and-reload")
    page.locator("#reply-form").get_by_role("button", name="Reply").click()
    mine = posts(page).filter(has_text="Count me in for Saturday.")
    expect(mine).to_be_visible()
    expect(mine.locator(".in-reply-to")).to_have_count(0)
    assert f"/p/{lou_id}" not in mine.inner_html()
