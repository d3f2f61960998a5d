"""Reactions in a real browser, with JavaScript on and off: a member likes a post, changes the like
to another reaction from the picker, and looks at who reacted; another member, on a phone in dark
mode, sees the count and adds hers; the author hears of both in one notification."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.extensions import db
from forum.models import Category, Post
from tests.browser.visitor import Console, Visitor, post
from tests.factories import make_reply, make_thread, make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def bar(page, post_id):
    return page.locator(f"#reactions-{post_id}")


def tally(page, post_id):
    """The tally's words as a screen reader gets them ("Reactions: Like 1 Funny 2"), spaces evened."""
    summary = bar(page, post_id).locator(".reaction-tally > summary")
    if not summary.count():
        return ""
    spoken = summary.evaluate("""summary => {
        const copy = summary.cloneNode(true);
        copy.querySelectorAll("[aria-hidden=true]").forEach(hidden => hidden.remove());
        return copy.textContent;
    }""")
    return " ".join(spoken.split())


def react(member, post_id, name):
    """Press a reaction button (Like, or one in the picker, which opens first); with JavaScript the
    reaction bar is swapped in the same document and the focus stays on the pressed button."""
    page = member.page
    armed = member.arm() if member.javascript else None
    if name == "Like":
        button = bar(page, post_id).get_by_role("button", name="Like", exact=True)
    else:
        picker = bar(page, post_id).locator(".reaction-picker")
        if picker.get_attribute("open") is None:
            picker.locator("summary").click()
        button = picker.get_by_role("button", name=name, exact=True)
    expect(button).to_be_visible()
    button_id, pressed = button.get_attribute("id"), button.get_attribute("aria-pressed")
    button.click()
    if member.javascript:  # the bar came back with the button's state turned, and the focus on it
        expect(page.locator(f"#{button_id}")).to_have_attribute("aria-pressed", "false" if pressed == "true" else "true")
        expect(page.locator(f"#{button_id}")).to_be_focused()
        member.assert_same_document(armed)
    else:
        expect(page).to_have_url(re.compile(rf"/t/\d+-[\w-]+#p{post_id}$"))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_members_react_change_their_reaction_and_see_each_others(javascript, live_app, live_server, new_context,
                                                                  axe_check, screenshot):
    with live_app.app_context():
        general = db.session.scalar(select(Category).where(Category.slug == "general"))
        rhonda = make_user(username="rhonda", display_name="Rhonda Bird", name_style="short")
        make_user(username="lou", display_name="Lou Daniels", name_style="short")
        make_user(username="susan", display_name="Susan Tran", name_style="short")
        thread = make_thread(author=rhonda, category=general, title="Raising the boardwalk",
                             body="Should we raise the boardwalk before March?")
        make_reply(thread, rhonda, "The council meets on Thursday.")
        opening = str(db.session.scalar(select(Post.id).where(Post.thread_id == thread.id).order_by(Post.id)))
        url = f"{live_server}/t/{thread.id}-{thread.slug}"

    console = Console()
    lou = Visitor(new_context(javascript, viewport=DESKTOP), javascript, "lou", console)
    susan = Visitor(new_context(javascript, viewport=DESKTOP, color_scheme="dark"), javascript, "susan", console)
    lou.sign_in(live_server, "lou")
    susan.sign_in(live_server, "susan")
    susan.page.set_viewport_size(PHONE)  # signed in where the header shows "Sign out", then on her phone

    # Lou likes the opening post, then changes his mind: Funny instead.
    console.step = "lou likes"
    lou.page.goto(url)
    react(lou, opening, "Like")
    expect(bar(lou.page, opening).get_by_role("button", name="Like", exact=True)).to_have_attribute(
        "aria-pressed", "true")
    assert tally(lou.page, opening) == "Reactions: Like 1"
    screenshot(lou.page, "desktop-light-liked")

    console.step = "lou changes to funny"
    react(lou, opening, "Funny")
    picker = bar(lou.page, opening).locator(".reaction-picker")
    expect(bar(lou.page, opening).get_by_role("button", name="Like", exact=True)).to_have_attribute(
        "aria-pressed", "false")
    assert tally(lou.page, opening) == "Reactions: Funny 1"  # replaced, not added
    if javascript:  # the picker stayed open around the focused button; without JS the page came back whole
        expect(picker.get_by_role("button", name="Funny", exact=True)).to_have_attribute("aria-pressed", "true")
        axe_check(lou.page, "the picker open after a reaction")
        screenshot(lou.page, "desktop-light-picker-open")
        picker.locator("summary").click()
    expect(picker.locator("summary")).to_have_text(re.compile(r"Your reaction:\s*😂\s*Funny"))
    axe_check(lou.page, "the thread with reactions (desktop, light)")

    # Susan, on her phone in dark mode, sees his reaction, and adds hers.
    console.step = "susan sees and reacts"
    susan.page.goto(url)
    assert tally(susan.page, opening) == "Reactions: Funny 1"
    react(susan, opening, "Hooray")
    assert tally(susan.page, opening) == "Reactions: Funny 1 Hooray 1"
    picker = bar(susan.page, opening).locator(".reaction-picker")
    if picker.get_attribute("open") is None:
        picker.locator("summary").click()
    panel = picker.locator(".reaction-choices").bounding_box()
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= PHONE["width"], "the picker fits the phone's screen"
    axe_check(susan.page, "the picker open on a phone, dark")
    screenshot(susan.page, "phone-dark-picker-open")
    picker.locator("summary").click()

    # Who reacted: a fragment in the tally's panel with JavaScript, a page of its own without.
    console.step = "susan sees who reacted"
    bar(susan.page, opening).locator(".reaction-tally > summary").click()
    if javascript:
        listed = bar(susan.page, opening).locator(".reactors .reactor-list")
    else:
        bar(susan.page, opening).get_by_role("link", name="See who reacted").click()
        expect(susan.page).to_have_url(re.compile(rf"/p/{opening}/reactions$"))
        listed = susan.page.locator(".reactor-list")
    expect(listed).to_contain_text(re.compile(r"Funny\s*\(1\):\s*Lou D\."))
    expect(listed).to_contain_text(re.compile(r"Hooray\s*\(1\):\s*Susan Tran"))  # her own full name
    axe_check(susan.page, "who reacted, on a phone, dark")
    screenshot(susan.page, "phone-dark-who-reacted")

    # Lou, reloading, sees Susan's reaction counted beside his.
    console.step = "lou sees hers"
    lou.page.goto(url)
    assert tally(lou.page, opening) == "Reactions: Funny 1 Hooray 1"
    screenshot(lou.page, "desktop-light-both")

    # Rhonda hears of both in one notification.
    console.step = "rhonda's notification"
    rhonda_page = Visitor(new_context(javascript, viewport=DESKTOP), javascript, "rhonda", console)
    rhonda_page.sign_in(live_server, "rhonda")
    rhonda_page.page.set_viewport_size(PHONE)
    rhonda_page.page.goto(f"{live_server}/notifications")
    items = rhonda_page.page.locator("li.notification")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text(re.compile(r"Susan T\. and 1 other\s+reacted to your post"))
    # Her own post: the counts, and no control to react with.
    rhonda_page.page.goto(url)
    expect(bar(rhonda_page.page, opening).locator(".reaction-form")).to_have_count(0)
    assert tally(rhonda_page.page, opening) == "Reactions: Funny 1 Hooray 1"
    screenshot(rhonda_page.page, "phone-light-own-post")
    assert console.errors == []


def test_reacting_with_the_keyboard_keeps_the_focus_on_the_choice(live_app, live_server, new_context,
                                                                   axe_check, screenshot):
    """With the keyboard alone: open React, choose, and the focus stays on the choice; Escape closes the
    picker and gives the focus back to React; a click elsewhere closes an open list of who reacted."""
    with live_app.app_context():
        general = db.session.scalar(select(Category).where(Category.slug == "general"))
        make_user(username="kim", display_name="Kim Ode")
        thread = make_thread(author=make_user(), category=general, title="Keyboard only", body="Press keys.")
        opening = str(db.session.scalar(select(Post.id).where(Post.thread_id == thread.id)))
        url = f"{live_server}/t/{thread.id}-{thread.slug}"
    kim = Visitor(new_context(True, viewport=DESKTOP, color_scheme="dark"), True, "kim")
    kim.sign_in(live_server, "kim")
    page = kim.page
    page.goto(url)
    summary = bar(page, opening).locator(".reaction-picker > summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(bar(page, opening).locator(".reaction-picker")).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the second choice: Funny
    expect(page.locator(f"#react-{opening}-2")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(f"#react-{opening}-2")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"#react-{opening}-2")).to_be_focused()
    screenshot(page, "desktop-dark-keyboard-choice")
    axe_check(page, "after a keyboard choice, dark")
    page.keyboard.press("Escape")
    expect(bar(page, opening).locator(".reaction-picker")).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Funny")
    tally = post(page, opening).locator(".reaction-tally")
    tally.locator("summary").click()
    expect(tally.locator(".reactor-list")).to_contain_text("Kim Ode")
    page.locator("h1").click()
    expect(tally).not_to_have_attribute("open", "")
