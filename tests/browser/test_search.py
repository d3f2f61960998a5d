"""Search in a real browser, with JavaScript on and off: the header form finds a post and not a
removed one; the search page's form swaps only the results (and the address) with htmx."""

import re

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Category
from forum.posts import service as posts
from tests.browser.visitor import Console, Visitor
from tests.factories import make_reply, make_thread, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def otters(live_app):
    with live_app.app_context():
        category = db.session.scalars(db.select(Category)).first()
        thread = make_thread(author=make_user(username="ann"), category=category, title="River walks",
                             body="We saw <b>otters</b> near the old mill.")
        kept = make_reply(thread, body="Otters again this morning, by the bridge.")
        removed = make_reply(thread, body="Otters? My phone number is 555-0100, call me.")
        posts.delete_post(removed, removed.author)
        make_reply(thread, body="Kayak hire opens in May.")
        return kept.id, removed.id


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_search_finds_a_post_and_not_a_removed_one(otters, live_server, new_context, axe_check, screenshot,
                                                   javascript):
    kept_id, removed_id = otters
    console = Console()
    visitor = Visitor(new_context(javascript), javascript, name="reader", console=console)
    page = visitor.page
    page.goto(live_server + "/")

    console.step = "searching from the header"
    header_search = page.get_by_role("search", name="Forum")
    header_search.get_by_label("Search threads and posts").fill("otters")
    header_search.get_by_role("button", name="Search").click()
    expect(page).to_have_url(f"{live_server}/search?q=otters")
    results = page.locator("#search-results")
    expect(results.get_by_text("2 results for “otters”.")).to_be_visible()
    expect(results.locator(f'a[href="/p/{kept_id}"]')).to_be_visible()
    expect(results.locator(f'a[href="/p/{removed_id}"]')).to_have_count(0)
    expect(results.get_by_text("555-0100")).to_have_count(0)
    expect(results.locator("mark").first).to_have_text(re.compile("^otters$", re.I))
    expect(results.get_by_text("<b>otters</b>", exact=False)).to_have_count(1)  # shown as text, escaped
    axe_check(page, "search results")
    screenshot(page, "results")

    console.step = "searching again from the search page"
    page.evaluate("window.__marker = 1") if javascript else None
    navigations = len(visitor.navigations)
    page.get_by_label("Search for", exact=True).fill("kayak")
    page.locator("form.search-form").get_by_role("button", name="Search").click()
    expect(results.get_by_text("1 result for “kayak”.")).to_be_visible()
    expect(page).to_have_url(f"{live_server}/search?q=kayak&category=&author=")
    if javascript:  # the results were swapped in place, and the address follows for sharing
        assert page.evaluate("window.__marker") == 1
        assert visitor.navigations[navigations:] == []
    else:
        assert len(visitor.navigations) == navigations + 1
    screenshot(page, "results-again")
    assert console.errors == []
