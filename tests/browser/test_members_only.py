"""A guest cannot see a members-only thread anywhere: not in lists, search, feeds or profiles, nor
at its own address; signing in from the "Sign in to read" page brings them to it."""

import pytest
from playwright.sync_api import expect

from tests.browser.visitor import Visitor
from tests.factories import make_category, make_reply, make_thread, make_user

pytestmark = pytest.mark.browser

SECRET = "Marmalade"  # a word only the members-only thread uses


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_guest_cannot_see_a_members_only_thread_anywhere(
        javascript, live_app, live_server, new_context, axe_check, screenshot):
    with live_app.app_context():
        walt = make_user(username="walt", display_name="Walt")
        make_user(username="rhonda", display_name="Rhonda")
        lounge = make_category(slug="lounge", name="Lounge", members_only=True)
        thread = make_thread(author=walt, category=lounge, title=f"{SECRET} swap on Saturday",
                             body=f"Bring a jar of {SECRET.lower()} and take one home.")
        reply = make_reply(thread, author=walt, body=f"Seville orange {SECRET.lower()} this year.")
        make_thread(author=walt, title="Open thread about the weather", body="Rain again.")
        thread_path, reply_id = f"/t/{thread.id}-{thread.slug}", reply.id

    guest = Visitor(new_context(javascript), javascript)
    page = guest.page
    page.goto(live_server + "/")
    expect(page.get_by_text("Open thread about the weather")).to_be_visible()
    expect(page.get_by_text(SECRET)).to_have_count(0)
    expect(page.get_by_text("Members only")).to_be_visible()  # the category is named, marked
    screenshot(page, "home-as-guest")

    for path in (thread_path, f"/p/{reply_id}", "/c/lounge"):
        page.goto(live_server + path)
        expect(page.get_by_role("heading", name="Sign in to read")).to_be_visible()
        expect(page.get_by_text(SECRET)).to_have_count(0)
    axe_check(page, "the sign-in-to-read page")
    screenshot(page, "sign-in-to-read")

    page.goto(f"{live_server}/search?q={SECRET}")
    expect(page.locator("#search-results")).to_be_visible()
    expect(page.locator(".search-hit")).to_have_count(0)
    page.goto(live_server + "/u/walt")
    expect(page.get_by_text("Open thread about the weather")).to_be_visible()
    expect(page.get_by_text(SECRET)).to_have_count(0)
    feed = page.request.get(live_server + "/feeds/latest.atom")
    assert feed.ok and "weather" in feed.text() and SECRET not in feed.text()
    assert page.request.get(f"{live_server}/t/{thread_path.split('/')[2].split('-')[0]}/feed.atom").status == 403

    # The guest signs in from the thread's own page and lands back on it.
    page.goto(live_server + thread_path)
    page.get_by_role("link", name="Sign in").last.click()
    guest.sign_in(username="rhonda")
    expect(page.get_by_role("heading", name=f"{SECRET} swap on Saturday")).to_be_visible()
    screenshot(page, "thread-as-member")
    page.goto(f"{live_server}/search?q={SECRET}")
    expect(page.locator(".search-hit")).to_have_count(3)  # the title, the opening post, the reply
    expect(page.locator(".search-hit mark").first).to_be_visible()
    screenshot(page, "search-as-member")
