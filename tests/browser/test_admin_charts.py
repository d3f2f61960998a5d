"""The admin overview's charts in a real browser with JavaScript off: drawn, named for a screen reader,
their numbers a click away as tables, the period changed by a plain link; light and dark, desktop and
phone, axe clean. Screenshots in test-artifacts/screenshots/."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from forum.database import write_transaction
from forum.models import Flag, Post
from forum.models.base import utcnow
from tests.browser.visitor import Console, Visitor
from tests.factories import make_reply, make_thread, make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def some_activity():
    members = [make_user() for _ in range(3)]
    for n, title in enumerate(("Harbour wall repairs", "Which paint for a clinker hull?", "Winter moorings")):
        thread = make_thread(author=members[n], title=title)
        for _ in range(4 - n):
            make_reply(thread, author=members[(n + 1) % 3])
    with write_transaction() as session:
        posts = session.scalars(session.query(Post).statement).all()
        for index, post in enumerate(posts):
            post.created_at = utcnow() - timedelta(days=index * 3)
        for index, member in enumerate(members):
            session.add(Flag(post_id=posts[index].id, user_id=member.id, reason="spam",
                             created_at=utcnow() - timedelta(days=index + 1),
                             resolved_at=utcnow() - timedelta(days=index + 1) + timedelta(hours=index * 5 + 0.5)))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_admin_charts_without_javascript(scheme, live_app, live_server, new_context, axe_check, screenshot):
    with live_app.app_context():
        make_user(username="ada", display_name="Ada Admin", role="admin")
        some_activity()
    console = Console()
    admin = Visitor(new_context(javascript=False, color_scheme=scheme, viewport=DESKTOP), False, "ada", console)
    page = admin.page
    admin.sign_in(live_server, "ada")
    page.goto(live_server + "/admin")
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(6)
    expect(page.get_by_role("img", name="Posts per day, last 30 days")).to_be_visible()
    expect(page.get_by_role("img", name="How long flags waited for a decision, last 30 days")).to_be_visible()
    expect(page.get_by_role("img", name="Busiest threads, last 30 days")).to_be_visible()
    page.get_by_text("Show the daily numbers as a table").click()
    expect(page.get_by_role("table", name="Posts, sign-ups, flags and sanctions per day, last 30 days")).to_be_visible()
    screenshot(page, f"charts-30-desktop-{scheme}")
    axe_check(page, f"the admin charts ({scheme}, desktop)")

    page.get_by_role("link", name="90 days").click()
    expect(page.get_by_role("heading", name="Activity, last 90 days")).to_be_visible()
    expect(page.get_by_role("link", name="90 days")).to_have_attribute("aria-current", "page")
    page.set_viewport_size(PHONE)
    screenshot(page, f"charts-90-phone-{scheme}")
    axe_check(page, f"the admin charts ({scheme}, phone)")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing sideways
    assert console.errors == []  # a CSP refusal (an inline style) would be one
