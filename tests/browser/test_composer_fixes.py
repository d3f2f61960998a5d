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
    if javascript:
        # The draft forgets its target in a request of its own; the reload waits for its answer (waiting
        # for "networkidle" returned at once when the page had been idle before the click).
        with page.expect_response(draft_saved("Count me in for Saturday.")):
            cancel.click()
    else:
        cancel.click()
    expect(context).to_be_hidden()
    expect(page.locator("#reply-body")).to_have_value("Count me in for Saturday.")
    if javascript:
        expect(page.locator("#reply-body")).to_be_focused()
    page.reload()
    expect(page.locator("#reply-context")).to_be_hidden()
    expect(page.locator("#reply-body")).to_have_value("Count me in for Saturday.")
    screenshot(page, "after-cancel-and-reload")
    page.locator("#reply-form").get_by_role("button", name="Reply").click()
    mine = posts(page).filter(has_text="Count me in for Saturday.")
    expect(mine).to_be_visible()
    expect(mine.locator(".in-reply-to")).to_have_count(0)
    assert f"/p/{lou_id}" not in mine.inner_html()


def draft_saved(words: str):
    """Whether a page's answer is to a draft being saved with `words` in it (for page.expect_response)."""
    return lambda answer: (answer.request.method == "POST" and answer.url.endswith("/draft") and answer.ok
                           and words in (answer.request.post_data or ""))


def test_reply_and_quote_go_on_after_a_restored_draft(live_app, live_server, new_context, axe_check, screenshot):
    """The caret goes after what is written: Reply and Quote on a restored draft never type in front of it."""
    with live_app.app_context():
        thread = make_thread(author=make_user(), title="Stale tab", body="The opening words.")
        make_reply(thread, author=make_user(display_name="Lou Daniels"), body="I can bring tools.")
        member = make_user(username="rhonda")
        save_draft(member, thread, "Draft text.")
        thread_url = f"{live_server}/t/{thread.id}-{thread.slug}"
    page = new_context().new_page()
    sign_in(page, live_server, "rhonda")
    page.goto(thread_url)
    box = page.locator("#reply-body")
    expect(box).to_have_value("Draft text.")
    lou = posts(page).filter(has_text="I can bring tools.")
    lou.get_by_role("link", name="Reply").click()
    expect(box).to_be_focused()
    with page.expect_response(draft_saved("Draft text. Replying.")):  # a second after the typing stops
        page.keyboard.type(" Replying.")
    expect(box).to_have_value("Draft text. Replying.")
    screenshot(page, "reply-after-draft")
    page.reload()  # the draft again, its caret at the start: a quote goes after it, and so does typing
    expect(box).to_have_value("Draft text. Replying.")
    lou.get_by_role("link", name="Quote").click()
    expect(box).to_be_focused()
    page.keyboard.type("Quoted.")
    value = box.input_value()
    assert value.startswith("Draft text. Replying.\n\n") and "I can bring tools." in value, value
    assert value.endswith("Quoted."), value
    screenshot(page, "quote-after-draft")
    axe_check(page, "the composer after a quote")


FIELDS = {"days": "For how many days", "thread": "Thread number", "minutes": "Minutes between posts",
          "remove": "Also remove all of this member's posts"}
SHOWN = {  # what each kind needs; the rest of FIELDS is hidden
    "Warning": {"days"}, "Suspended": {"days", "remove"}, "Banned": {"remove"},
    "Cannot reply in a thread": {"days", "thread"}, "Slow mode": {"days", "minutes"},
}


@BOTH
def test_the_sanction_form_shows_the_fields_the_kind_needs(javascript, live_app, live_server, new_context,
                                                             axe_check, screenshot):
    with live_app.app_context():
        make_user(username="modsue", role="moderator")
        make_user(username="otto", display_name="Otto Author")
        thread = make_thread(title="Bridge repairs")
        form_url, thread_id = f"{live_server}/mod/members/otto/sanction", thread.id
    page = new_context(javascript=javascript).new_page()
    sign_in(page, live_server, "modsue")
    page.goto(form_url)
    kind = page.get_by_label("Sanction", exact=True)

    def expect_fields(shown):
        for key, label in FIELDS.items():
            control = page.get_by_label(label)
            if key in shown:
                expect(control).to_be_visible()
                expect(control).to_be_enabled()
            else:
                expect(control).to_be_hidden()

    if javascript:
        for label, shown in SHOWN.items():
            kind.select_option(label=label)
            expect_fields(shown)
        screenshot(page, "slow-mode-fields")
        page.get_by_label("For how many days").fill("3")
        kind.select_option(label="Banned")  # a value typed for another kind is not sent
    else:
        expect_fields(set(FIELDS))  # everything shows, and the server uses what the kind needs
        kind.select_option(label="Slow mode")
        page.get_by_label("Thread number").fill(str(thread_id))
    axe_check(page, "the sanction form")
    if javascript:
        kind.select_option(label="Slow mode")
    page.get_by_label("Reason shown to the member").fill("Posting in bursts.")
    page.get_by_label("Minutes between posts").fill("10")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview-box")).to_contain_text("can post once every 10 minutes")
    if javascript:
        expect_fields(SHOWN["Slow mode"])  # the form swapped in by the preview is shown the same way
    screenshot(page, "previewed")
    page.get_by_role("button", name="Issue sanction").click()
    expect(page.get_by_role("heading", name="Standing of Otto Author")).to_be_visible()
    expect(page.locator("li.sanction")).to_contain_text("Slow mode: one post every 10 minutes")
    expect(page.locator("li.sanction")).not_to_contain_text("Bridge repairs")


@BOTH
def test_a_new_thread_is_kept_as_a_draft_and_a_double_click_starts_it_once(javascript, live_app, live_server,
                                                                          new_context, axe_check, screenshot):
    with live_app.app_context():
        make_user(username="rhonda")
    page = new_context(javascript=javascript).new_page()
    sign_in(page, live_server, "rhonda")
    page.goto(live_server + "/new")
    page.get_by_label("Category", exact=True).select_option(label="General")
    page.get_by_label("Title", exact=True).fill("Bridge repairs on Saturday")
    page.get_by_label("Post", exact=True).fill("Who can bring tools?")
    if javascript:  # typing saves the draft; a reload (or a crash) brings it back
        with page.expect_response(lambda response: response.url.endswith("/new/draft")
                                  and "gloves" in (response.request.post_data or "")):
            page.get_by_label("Post", exact=True).press_sequentially(" And gloves.")
        page.reload()
        expect(page.locator("#draft-note")).to_contain_text("Your unfinished thread from")
        expect(page.get_by_label("Title", exact=True)).to_have_value("Bridge repairs on Saturday")
        expect(page.get_by_label("Post", exact=True)).to_have_value("Who can bring tools? And gloves.")
        screenshot(page, "restored-new-thread")
        axe_check(page, "the new thread form with its draft")
    page.get_by_role("button", name="Post thread").dblclick()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bridge repairs on Saturday")
    with live_app.app_context():
        from forum.extensions import db
        from forum.models import Thread
        assert db.session.scalar(db.select(db.func.count(Thread.id))) == 1
    page.goto(live_server + "/new")
    expect(page.locator("#draft-note")).to_have_count(0)
    expect(page.get_by_label("Title", exact=True)).to_have_value("")
