"""Chromium reads the compressed pages (forum/compression.py): a guest's page rendered, then answered
from the page cache with its nonce filled into the kept gzip stream, runs its scripts under the CSP."""

import pytest

from forum.extensions import db
from forum.models import Category
from tests.browser.visitor import Console, Visitor
from tests.factories import make_thread, make_user

pytestmark = pytest.mark.browser


def test_a_compressed_page_from_memory_runs_its_scripts(live_app, live_server, new_context, screenshot):
    with live_app.app_context():
        category = db.session.scalars(db.select(Category)).first()
        thread = make_thread(author=make_user(), category=category, title="Kept and squeezed",
                             body="Words a guest reads, and reads again. " * 30)
        url = f"{live_server}/t/{thread.id}-{thread.slug}"
    console = Console()
    page = Visitor(new_context(), True, name="guest", console=console).page
    for attempt in ("miss", "hit"):
        console.step = f"loading the page ({attempt})"
        answer = page.goto(url)
        headers = answer.all_headers()
        assert headers["content-encoding"] == "gzip" and headers["x-page-cache"] == attempt
        assert page.get_by_role("heading", name="Kept and squeezed").is_visible()
        page.wait_for_function("typeof window.htmx === 'object'")  # the nonce let the scripts run
    screenshot(page, "from-memory")
    assert console.errors == []
