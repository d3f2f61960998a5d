"""Live updates in a real browser: new replies offered while a member reads (and appended without
moving what they read), and a mention in one browser raising the notification count in another."""

import re

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Category, Thread, User
from forum.posts import service as posts
from tests.browser.visitor import Console, Visitor, posts as posts_on
from tests.factories import make_reply, make_thread, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def quick_polls(live_app):
    live_app.config["LIVE_POLL_SECONDS"] = 1
    live_app.config["NOTIFICATION_POLL_SECONDS"] = 1
    return live_app


def test_new_replies_appear_through_the_button_while_reading(
        quick_polls, live_server, new_context, axe_check, screenshot):
    with quick_polls.app_context():
        reader, writer = make_user(username="ann", display_name="Ann"), make_user(username="bob", display_name="Bob")
        category = db.session.scalars(db.select(Category)).first()
        thread = make_thread(author=writer, category=category, title="Walk to the lake on Sunday?",
                             body="Who is coming? We leave from the square at ten.")
        make_reply(thread, author=reader, body="Count me in.")
        thread_id, slug, writer_id = thread.id, thread.slug, writer.id

    console = Console()
    ann = Visitor(new_context(True), True, name="ann", console=console)
    polls = []
    ann.page.on("response", lambda r: "/new-replies?" in r.url and polls.append(r.status))
    ann.sign_in(live_server, "ann")
    ann.page.goto(f"{live_server}/t/{thread_id}-{slug}")
    console.step = "reading"
    expect(posts_on(ann.page)).to_have_count(2)
    ann.page.wait_for_timeout(2500)
    assert polls and set(polls) == {304}, polls  # nothing new: the server said so without rendering
    first_post_top = ann.page.locator("#posts > article").first.bounding_box()["y"]

    with quick_polls.app_context():  # Bob replies twice, from elsewhere
        for text in ("Great, I will bring a thermos.", "And the forecast says sun."):
            posts.add_reply(db.session.get(Thread, thread_id), db.session.get(User, writer_id), text)

    button = ann.page.get_by_role("button", name="2 new replies — show")
    expect(button).to_be_visible()
    assert ann.page.locator("#posts > article").first.bounding_box()["y"] == first_post_top
    expect(ann.page.locator("#new-replies")).to_have_attribute("aria-live", "polite")
    axe_check(ann.page, "the thread with new replies offered")
    screenshot(ann.page, "new-replies-offered")

    armed = ann.arm()
    button.click()
    expect(posts_on(ann.page)).to_have_count(4)
    expect(posts_on(ann.page).nth(3)).to_contain_text("And the forecast says sun.")
    expect(ann.page.get_by_role("button", name=re.compile("new repl"))).to_have_count(0)
    ann.assert_same_document(armed)
    screenshot(ann.page, "new-replies-shown")

    ann.page.wait_for_timeout(2000)  # the fresh poll starts after them: nothing is offered twice
    expect(ann.page.get_by_role("button", name=re.compile("new repl"))).to_have_count(0)
    assert console.errors == []


def test_a_mention_in_one_browser_raises_the_count_in_another(
        quick_polls, live_server, new_context, axe_check, screenshot):
    with quick_polls.app_context():
        make_user(username="lou", display_name="Lou")
        make_user(username="bea", display_name="Bea")
        category = db.session.scalars(db.select(Category)).first()
        thread = make_thread(category=category, title="Best bakery in town?", body="Asking for a friend.")
        thread_url = f"{live_server}/t/{thread.id}-{thread.slug}"

    console = Console()
    lou = Visitor(new_context(True), True, name="lou", console=console)
    lou.sign_in(live_server, "lou")
    count = lou.page.locator("#notification-count")
    expect(count).to_have_text("Notifications")
    armed = lou.arm()

    bea = Visitor(new_context(True), True, name="bea", console=console)
    bea.sign_in(live_server, "bea")
    bea.page.goto(thread_url)
    bea.page.locator("#reply-body").fill("@lou knows: Halvorsen's on 2nd.")
    bea.page.locator("#reply-form").get_by_role("button", name="Reply").click()
    expect(posts_on(bea.page)).to_have_count(2)

    expect(count).to_have_text(re.compile(r"Notifications\s*1\s*unread"))
    lou.assert_same_document(armed)
    axe_check(lou.page, "the page with a new notification counted")
    screenshot(lou.page, "count-raised")
    count.click()
    expect(lou.page.get_by_text("mentioned you")).to_be_visible()
    screenshot(lou.page, "notifications")
    assert console.errors == []
