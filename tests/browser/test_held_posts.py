"""A new member's post held for a moderator, in a real browser with JavaScript on and off.

With NEW_MEMBER_POST_REVIEW set to "hold", Nina (new) replies mentioning Rita. Nina sees her reply marked
as waiting; Rita sees nothing of it and has no notification. Moe approves it from /mod; only then is it
in the thread for everyone, and only then is Rita told she was mentioned.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.extensions import db
from forum.models import Category
from tests.browser.visitor import Console, Visitor, posts
from tests.factories import make_thread, make_user

pytestmark = pytest.mark.browser

REPLY = "First time here! @rita your roses look wonderful."


@pytest.fixture
def forum(live_app, live_server):
    live_app.config["NEW_MEMBER_POST_REVIEW"] = "hold"
    with live_app.app_context():
        general = db.session.scalar(select(Category).where(Category.slug == "general"))
        make_user(username="moe", display_name="Moe Moderator", email="moe@example.com", role="moderator")
        rita = make_user(username="rita", display_name="Rita Regular", email="rita@example.com")
        make_user(username="nina", display_name="Nina Newbie", email="nina@example.com")
        thread = make_thread(author=rita, category=general, title="Roses in December",
                             body="Mine are still flowering. Yours?")
        return {"base": live_server, "thread_url": f"{live_server}/t/{thread.id}-{thread.slug}"}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_held_reply_is_approved_and_only_then_notifies(javascript, forum, new_context, axe_check, screenshot):
    base, thread_url = forum["base"], forum["thread_url"]
    console = Console()

    def visitor(name):
        person = Visitor(new_context(javascript), javascript, name=name, console=console)
        person.sign_in(base, name)
        return person

    # 1. Nina replies; her reply waits for a moderator, and she sees it marked so.
    console.step = "1 reply"
    nina = visitor("nina")
    nina.page.goto(thread_url)
    nina.page.locator("#reply-body").fill(REPLY)
    nina.page.get_by_role("button", name="Reply", exact=True).click()
    waiting = nina.page.locator("article.post-held")
    expect(waiting).to_contain_text("Waiting for a moderator")
    expect(waiting).to_contain_text("your roses look wonderful")
    expect(nina.page.locator("#reply-body")).to_have_value("")
    axe_check(nina.page, "the thread with a held reply")
    screenshot(nina.page, "nina-waiting")
    nina.page.reload()
    expect(nina.page.locator("article.post-held")).to_contain_text("Waiting for a moderator")

    # 2. Rita sees one post in the thread and no notification.
    console.step = "2 unseen"
    rita = visitor("rita")
    rita.page.goto(thread_url)
    expect(posts(rita.page)).to_have_count(1)
    expect(rita.page.locator("#posts")).not_to_contain_text("roses look wonderful")
    rita.page.goto(base + "/notifications")
    expect(rita.page.locator("#notification-list")).to_contain_text("Nothing yet")

    # 3. Moe approves it from the review queue.
    console.step = "3 approve"
    moe = visitor("moe")
    moe.page.goto(base + "/mod")
    item = moe.page.locator("article.held-item")
    expect(item).to_contain_text("Reply by Nina Newbie")
    expect(item).to_contain_text("your roses look wonderful")
    axe_check(moe.page, "the review queue with a held post")
    screenshot(moe.page, "moe-queue")
    item.get_by_role("button", name="Approve and publish").click()
    expect(moe.page.locator("#flash")).to_contain_text("The post is approved and published.")
    if javascript:  # the item alone is swapped for its decision, which takes the focus
        decided = moe.page.locator("article.held-decided")
        expect(decided).to_contain_text("Approved and published")
        expect(decided).to_be_focused()
        expect(moe.page.locator("#held-queue-count")).to_have_text("0")
        expect(moe.page.locator("#review-queue")).to_have_text("Review")  # the header's count follows
        axe_check(moe.page, "the review queue after an approval (htmx)")
        screenshot(moe.page, "moe-approved-in-place")
    else:  # the queue again, without it
        expect(moe.page.locator("article.held-item")).to_have_count(0)

    # 4. Now the reply is in the thread, and Rita is told she was mentioned.
    console.step = "4 published"
    rita.page.goto(thread_url)
    expect(posts(rita.page)).to_have_count(2)
    expect(posts(rita.page).nth(1)).to_contain_text("your roses look wonderful")
    rita.page.goto(base + "/notifications")
    expect(rita.page.locator("#notification-list")).to_contain_text("Nina Newbie mentioned you in “Roses in December”")
    screenshot(rita.page, "rita-notified")
    nina.page.goto(thread_url)
    expect(nina.page.locator("article.post-held")).to_have_count(0)
    expect(posts(nina.page)).to_have_count(2)

    unexpected = [line for line in console.errors if not re.search(r"status of 40[13]\b", line)]
    assert unexpected == []
