"""The bot traps in a real browser (forum/auth/service/traps.py): a newcomer registers with JavaScript
on (the page solves its puzzle) and off; a bot that fills the honeypot, or sends the form at once, is
refused and no account is made."""

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from forum import create_app, mail
from forum.extensions import db
from forum.models import User
from tests.browser.conftest import CATEGORY
from tests.conftest import _empty_tables, test_config
from tests.factories import PASSWORD, make_category
from tests.mail_server import finish_link

pytestmark = pytest.mark.browser

# Long enough that the "too fast" steps (fill three fields and send at once) fit inside it on a busy
# machine: at 1.5 s they did not always, under a load of 12 on two cores.
MIN_SECONDS = 4


@pytest.fixture
def live_app(database_url, _schema):
    """The live app with the traps as in production, but a shorter minimum fill time."""
    app = create_app(test_config(database_url, REGISTER_MIN_SECONDS=MIN_SECONDS, GUEST_FORM_MIN_SECONDS=1,
                                 REGISTER_UNSOLVED_RATE_LIMIT="2 per hour", REGISTER_CHALLENGE_MAX_NUMBER=100_000))
    with app.app_context():
        make_category(name=CATEGORY, slug="general")
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def members(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def fill(page, username):
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Display name", exact=True).fill(username.title() + " Example")
    page.get_by_label("Email", exact=True).fill(f"{username}@example.com")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_newcomer_registers(javascript, live_app, live_server, live_inbox, new_context, axe_check, screenshot):
    page = new_context(javascript=javascript).new_page()
    page.goto(live_server + "/register")
    shown = time.monotonic()
    axe_check(page, "the registration page")
    expect(page.get_by_label("Leave this empty")).not_to_be_in_viewport()
    fill(page, "newcomer")
    if javascript:  # the page's script solves the puzzle while the form is filled in
        expect(page.locator('input[name="challenge"]')).not_to_have_value("", timeout=15_000)
    time.sleep(max(0, MIN_SECONDS - (time.monotonic() - shown)) + 0.2)
    screenshot(page, "filled")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.goto(live_server + finish_link(live_inbox.last_to("newcomer@example.com")))
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Your account is ready and you are signed in.")).to_be_visible()
    assert members(live_app) == 1


def test_a_person_who_is_too_fast_is_told_and_keeps_what_they_typed(live_app, live_server, live_inbox,
                                                                    new_context, axe_check, screenshot):
    page = new_context(javascript=False).new_page()
    page.goto(live_server + "/register")
    fill(page, "quick")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("alert")).to_contain_text("quicker than we expect from a person")
    expect(page.get_by_label("Email", exact=True)).to_have_value("quick@example.com")
    axe_check(page, "the registration page sent too fast")
    screenshot(page, "too-fast")
    time.sleep(MIN_SECONDS + 0.2)
    page.get_by_role("button", name="Register").click()  # a moment later, as it is
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert live_inbox.last_to("quick@example.com")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_bot_is_refused_and_no_account_is_made(javascript, live_app, live_server, live_inbox, new_context,
                                                 screenshot):
    page = new_context(javascript=javascript).new_page()
    # A bot that fills every field, the honeypot too, and takes its time: it is told what a person is.
    page.goto(live_server + "/register")
    fill(page, "spambot")
    page.locator("#trap-comment").fill("cheap watches", force=True)
    if javascript:
        expect(page.locator('input[name="challenge"]')).not_to_have_value("", timeout=15_000)
    time.sleep(MIN_SECONDS + 0.2)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    screenshot(page, "honeypot-answer")
    # A bot that posts the form the moment it has it.
    page.goto(live_server + "/register")
    fill(page, "fastbot")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("alert")).to_contain_text("quicker than we expect from a person")
    mail.wait_for_background()
    assert live_inbox.messages == []
    assert members(live_app) == 0
