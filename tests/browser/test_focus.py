"""Keyboard journeys: after every htmx swap, focus is where the member's next step is, never <body>.

Each journey is driven by the keyboard alone (Tab, Shift+Tab, Enter, Space, typing), asserts where
focus lands (document.activeElement) and runs axe-core after each swap, with the experimental
label-content-name-mismatch rule on as well. Fixtures: tests/browser/conftest.py.
"""

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Post, User
from tests.browser.visitor import Visitor
from tests.factories import PASSWORD, make_reply, make_thread, make_user

pytestmark = pytest.mark.browser

TAB_LIMIT = 150  # more than any journey needs; a control this far away is a finding, not a wait


def active(page) -> dict:
    """What has focus: its tag, id, classes, the post it is in, and (for text boxes) the caret."""
    return page.evaluate("""() => {
        const e = document.activeElement;
        const post = e.closest("article.post");
        return {tag: e.tagName.toLowerCase(), id: e.id, cls: e.className, text: e.textContent.trim().slice(0, 80),
                post: post ? post.id : null, caret: e.selectionStart ?? null, length: e.value?.length ?? null,
                describedby: e.getAttribute("aria-describedby"), invalid: e.getAttribute("aria-invalid"),
                name: e.getAttribute("aria-label") || e.textContent.trim()};
    }""")


def wait_focus(page, selector: str):
    """Wait until the element `selector` has focus (htmx focuses after its swap settles)."""
    page.wait_for_function("s => document.activeElement && document.activeElement.matches(s)", arg=selector,
                           timeout=5_000)


def tab_to(page, selector: str, backwards=False) -> int:
    """Press Tab (or Shift+Tab) until `selector` has focus; returns how many presses it took."""
    key = "Shift+Tab" if backwards else "Tab"
    for presses in range(1, TAB_LIMIT + 1):
        page.keyboard.press(key)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"{selector} not reached in {TAB_LIMIT} {key} presses; focus is on {active(page)}")


def start_at(page, url: str, post_id: int):
    """Open the thread at a post's anchor, as following a permalink does: the next Tab goes into it."""
    page.goto(f"{url}#p{post_id}")
    expect(page.locator(f"#p{post_id}")).to_be_visible()


@pytest.fixture
def check(axe_check):
    """axe-core as the other journeys run it, then the experimental rule the composer's Cancel failed."""
    def run(page, what):
        axe_check(page, what)
        found = page.evaluate("""async () => (await axe.run(document, {
            runOnly: {type: "rule", values: ["label-content-name-mismatch"]},
            rules: {"label-content-name-mismatch": {enabled: true}}})).violations
            .map(v => v.id + " at " + v.nodes.map(n => n.target).join(", "))""")
        assert found == [], f"on {what}: {found}"
    return run


@pytest.fixture
def forum(live_app):
    """A thread by Ada with replies from Bo and a moderator, Mo, who may hide and restore."""
    with live_app.app_context():
        ada = make_user(username="ada", display_name="Ada Lovelace", email="ada@example.com")
        bo = make_user(username="bob", display_name="Bob Diddley", email="bob@example.com")
        make_user(username="moe", display_name="Moe Moderator", email="moe@example.com", role="moderator")
        thread = make_thread(author=ada, title="Where to plant the beans",
                             body="The allotment has a sunny corner.\n\nBeans or peas there?")
        replies = [make_reply(thread, author=bo if n % 2 else ada, body=f"Reply number {n} about beans.")
                   for n in range(1, 6)]
        url = f"/t/{thread.id}-{thread.slug}"
        return {"thread": thread.id, "url": url, "replies": [r.id for r in replies], "bo": bo.id}


def member(new_context, base, username):
    visitor = Visitor(new_context(), javascript=True)
    visitor.sign_in(base, username)
    return visitor.page


def test_edit_save_and_cancel_keep_focus_on_the_post(live_server, forum, new_context, check, screenshot):
    page = member(new_context, live_server, "ada")
    mine = forum["replies"][1]  # reply 2 is Ada's
    start_at(page, live_server + forum["url"], mine)

    tab_to(page, f"#p{mine} a[href$='/edit']")
    page.keyboard.press("Enter")
    wait_focus(page, f"#edit-body-{mine}")
    focus = active(page)
    assert focus["caret"] == focus["length"] > 0, f"the caret is not at the end of the text: {focus}"
    screenshot(page, "edit-open")
    check(page, "the edit form")

    page.keyboard.type(" Runner beans, then.")
    tab_to(page, f"#p{mine} button[type=submit]")
    page.keyboard.press("Enter")
    wait_focus(page, f"article#p{mine}")
    expect(page.locator(f"#p{mine} .post-body")).to_contain_text("Runner beans, then.")
    screenshot(page, "edit-saved")
    check(page, "the saved post")

    tab_to(page, f"#p{mine} a[href$='/edit']")
    page.keyboard.press("Enter")
    wait_focus(page, f"#edit-body-{mine}")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    tab_to(page, f"#p{mine} button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_function("id => document.getElementById(id).getAttribute('aria-invalid') === 'true'",
                           arg=f"edit-body-{mine}")
    wait_focus(page, f"#edit-body-{mine}")
    focus = active(page)
    assert f"edit-body-{mine}-error" in focus["describedby"].split()
    expect(page.locator(f"#edit-body-{mine}-error")).to_be_visible()
    screenshot(page, "edit-refused")
    check(page, "the refused edit")

    tab_to(page, f"#p{mine} a.cancel")
    page.keyboard.press("Enter")
    wait_focus(page, f"article#p{mine}")
    expect(page.locator(f"#p{mine} .post-body")).to_contain_text("Runner beans, then.")
    check(page, "the post after a cancelled edit")


def test_reply_focuses_the_new_post(live_server, forum, new_context, check, screenshot):
    page = member(new_context, live_server, "bob")
    page.goto(live_server + forum["url"])
    presses = tab_to(page, "a.skip-link[href='#reply-heading']")
    assert presses == 2, "the skip to the reply comes right after the skip to the content"
    screenshot(page, "skip-link")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    wait_focus(page, "#reply-body")

    # An empty reply: the box keeps the focus, its message tied to it.
    tab_to(page, "#reply-form .actions button:not(.secondary)")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('reply-body').getAttribute('aria-invalid') === 'true'")
    wait_focus(page, "#reply-body")
    assert "reply-body-error" in active(page)["describedby"].split()
    check(page, "the refused reply")

    # Answering a post: the composer's Cancel says what it cancels, starting with its visible word.
    first = forum["replies"][0]
    start_at(page, live_server + forum["url"], first)
    tab_to(page, f"#p{first} a.reply-action")
    page.keyboard.press("Enter")
    wait_focus(page, "#reply-body")
    tab_to(page, "#reply-context button", backwards=True)
    cancel = active(page)
    assert cancel["text"] == "Cancel" and cancel["name"].startswith("Cancel"), cancel
    screenshot(page, "answering-cancel")
    check(page, "the composer answering a post")
    page.keyboard.press("Tab")
    wait_focus(page, "#reply-body")
    page.keyboard.type("Beans, and a row of sweet peas on the fence.")
    tab_to(page, "#reply-form .actions button:not(.secondary)")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#posts > article').length === 7")
    new_id = page.locator("#posts > article").last.get_attribute("id")
    wait_focus(page, f"article#{new_id}")
    expect(page.locator(f"#{new_id}")).to_contain_text("sweet peas on the fence")
    assert page.locator("#reply-body").input_value() == ""
    screenshot(page, "reply-posted")
    check(page, "the thread after a reply")

    # From the new post, the next Tab stops are its own controls, then the composer again.
    tab_to(page, "#reply-body")


def test_flag_opens_refuses_sends_and_cancels(live_server, forum, new_context, check, screenshot):
    page = member(new_context, live_server, "bob")
    first, third = forum["replies"][1], forum["replies"][3]  # Ada's
    start_at(page, live_server + forum["url"], first)

    tab_to(page, f"#p{first} a.flag-action")
    page.keyboard.press("Enter")
    wait_focus(page, f"#flag-{first} input[type=radio]")
    assert page.evaluate(f"document.activeElement === document.querySelector('#flag-{first} input[type=radio]')")
    screenshot(page, "flag-open")
    check(page, "the flag form")

    # Sent without a reason: the first choice has the focus, the group describes the message.
    tab_to(page, f"#flag-{first} button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#flag-{first} .has-error")
    wait_focus(page, f"#flag-{first} input[type=radio]")
    group = page.locator(f"#flag-{first} fieldset")
    assert f"flag-reason-{first}-error" in group.get_attribute("aria-describedby").split()
    screenshot(page, "flag-refused")
    check(page, "the refused flag")

    page.keyboard.press("Space")  # choose the focused reason
    tab_to(page, f"#flag-{first} button[type=submit]")
    page.keyboard.press("Enter")
    wait_focus(page, f"#p{first} .flag-done")
    screenshot(page, "flag-sent")
    check(page, "the flag sent")

    start_at(page, live_server + forum["url"], third)
    tab_to(page, f"#p{third} a.flag-action")
    page.keyboard.press("Enter")
    wait_focus(page, f"#flag-{third} input[type=radio]")
    tab_to(page, f"#flag-{third} a.cancel")
    page.keyboard.press("Enter")
    wait_focus(page, f"article#p{third}")
    expect(page.locator(f"#p{third} a.flag-action")).to_be_visible()
    check(page, "the post after a cancelled flag")


def test_delete_focuses_the_placeholder(live_server, forum, new_context, check, screenshot):
    page = member(new_context, live_server, "ada")
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmation, answered with Enter in a browser
    mine = forum["replies"][3]
    start_at(page, live_server + forum["url"], mine)
    tab_to(page, f"#p{mine} form[action$='/delete'] button")
    page.keyboard.press("Enter")
    wait_focus(page, f"#p{mine} p.placeholder")
    screenshot(page, "deleted")
    check(page, "the deleted post")


def test_moderator_hide_and_restore_keep_focus_on_the_post(live_server, forum, new_context, check, screenshot):
    page = member(new_context, live_server, "moe")
    target = forum["replies"][0]
    start_at(page, live_server + forum["url"], target)
    tab_to(page, f"#p{target} details.mod-hide summary")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    wait_focus(page, f"#hide-post-{target}-reason")
    page.keyboard.press("Enter")  # no reason: refused by the server (the form is novalidate)
    page.wait_for_selector(f"#hide-post-{target}-error")
    wait_focus(page, f"#hide-post-{target}-reason")
    check(page, "the refused hide")

    page.keyboard.type("Off topic for this thread.")
    page.keyboard.press("Enter")
    wait_focus(page, f"#p{target} p.placeholder")
    expect(page.locator(f"#p{target} p.placeholder")).to_contain_text("Off topic")
    screenshot(page, "hidden")
    check(page, "the hidden post")

    tab_to(page, f"#p{target} form[action$='/restore'] button")
    page.keyboard.press("Enter")
    wait_focus(page, f"article#p{target}")
    expect(page.locator(f"#p{target} .post-body")).to_contain_text("Reply number 1")
    screenshot(page, "restored")
    check(page, "the restored post")


def test_new_replies_show_focuses_the_first_new_post(live_app, live_server, forum, new_context, check, screenshot):
    live_app.config["LIVE_POLL_SECONDS"] = 1
    page = member(new_context, live_server, "ada")
    last = forum["replies"][-1]
    start_at(page, live_server + forum["url"], last)
    with live_app.app_context():
        thread = db.session.get(Post, last).thread
        bo = db.session.get(User, forum["bo"])
        first_new = make_reply(thread, author=bo, body="Peas climb, beans climb: both then.").id
        make_reply(thread, author=bo, body="And marigolds against the aphids.")
    button = page.locator("#new-replies button")
    expect(button).to_have_text("2 new replies — show", timeout=10_000)
    tab_to(page, "#new-replies button")
    with live_app.app_context():  # the poll swaps the button while the member is on it
        make_reply(db.session.get(Post, last).thread, author=db.session.get(User, forum["bo"]), body="Or squash.")
    expect(button).to_have_text("3 new replies — show", timeout=10_000)
    wait_focus(page, "#new-replies button")
    page.keyboard.press("Enter")
    wait_focus(page, f"article#p{first_new}")
    expect(page.locator(f"#p{first_new}")).to_contain_text("Peas climb")
    screenshot(page, "new-replies-shown")
    check(page, "the thread with the new replies shown")


def test_exact_time_is_shown_to_keyboard_and_touch(live_server, forum, new_context, screenshot):
    page = member(new_context, live_server, "bob")
    followed, other = forum["replies"][2], forum["replies"][0]
    start_at(page, live_server + forum["url"], followed)  # as after tapping its permalink: the :target
    expect(page.locator(f"#p{followed} .permalink .visually-hidden")).to_be_visible()
    exact = page.locator(f"#p{other} .permalink .visually-hidden")
    assert exact.bounding_box()["width"] <= 1, "other posts show the relative time only"

    page.goto(live_server + forum["url"] + "#main")
    tab_to(page, f"#p{other} a.permalink")
    assert exact.bounding_box()["width"] > 50, "the exact time shows while the permalink has focus"
    screenshot(page, "permalink-focused")


def test_like_and_watch_keep_focus_on_the_pressed_button(live_server, forum, new_context, check):
    page = member(new_context, live_server, "bob")
    page.goto(live_server + forum["url"])
    tab_to(page, "#watch-watching")
    page.keyboard.press("Enter")
    page.wait_for_selector("#watch-watching[aria-pressed=true]")
    wait_focus(page, "#watch-watching")
    check(page, "the thread watched")

    adas = forum["replies"][1]
    tab_to(page, f"#like-button-{adas}")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#like-button-{adas}[aria-pressed=true]")
    wait_focus(page, f"#like-button-{adas}")
    check(page, "the post liked")


def test_moderator_thread_tools_keep_focus_on_the_opposite_tool(live_server, forum, new_context, check):
    page = member(new_context, live_server, "moe")
    page.goto(live_server + forum["url"])
    tab_to(page, "details.thread-tools summary")
    page.keyboard.press("Enter")
    tab_to(page, "#tool-pin")
    page.keyboard.press("Enter")
    page.wait_for_selector("#tool-pin:text('Unpin')")
    wait_focus(page, "#tool-pin")
    check(page, "the thread pinned")

    tab_to(page, "#slow-mode-minutes")
    page.keyboard.press("Tab")  # to its button, with no minutes given
    page.keyboard.press("Enter")
    page.wait_for_selector("#slow-mode-error")
    wait_focus(page, "#slow-mode-minutes")
    check(page, "the refused slow mode")


def test_j_and_k_move_between_posts_but_never_in_a_field(live_server, forum, new_context, check, screenshot):
    page = member(new_context, live_server, "bob")
    first, second, third = forum["replies"][:3]
    start_at(page, live_server + forum["url"], first)
    hint = page.locator("#post-keys")
    assert hint.bounding_box()["width"] <= 1, "the hint stays out of sight until a keyboard member is in the posts"
    tab_to(page, f"#p{first} a")
    page.keyboard.press("j")
    wait_focus(page, f"article#p{second}")
    page.keyboard.press("j")
    wait_focus(page, f"article#p{third}")
    expect(hint).to_be_visible()
    assert hint.bounding_box()["width"] > 50
    screenshot(page, "j-pressed")
    check(page, "a post reached with J")
    page.keyboard.press("k")
    wait_focus(page, f"article#p{second}")
    page.keyboard.press("Tab")  # into the post: its first control
    assert active(page)["post"] == f"p{second}"

    tab_to(page, "#reply-body")
    page.keyboard.type("jk")
    assert page.locator("#reply-body").input_value() == "jk"
    wait_focus(page, "#reply-body")


def test_the_j_and_k_hint_never_covers_a_phones_post_actions(live_server, forum, new_context, screenshot):
    """A phone (touch, narrow) has no J and K to hint at: a fixed box there covered the post actions."""
    visitor = Visitor(new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True),
                      javascript=True)
    page = visitor.page
    page.goto(live_server + "/login")
    page.get_by_label("Username or email", exact=True).fill("bob")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("summary", has_text="Menu")).to_be_visible()
    expect(page).not_to_have_url(live_server + "/login")
    first = forum["replies"][0]
    start_at(page, live_server + forum["url"], first)
    tab_to(page, f"#p{first} a")  # a permalink has the focus, as the reviewer's did
    assert active(page)["post"] == f"p{first}"
    assert page.locator("#post-keys").bounding_box()["width"] <= 1
    screenshot(page, "phone-permalink-focused")


def test_without_javascript_nothing_takes_the_focus_and_the_skip_link_works(live_server, forum, new_context):
    visitor = Visitor(new_context(javascript=False), javascript=False)
    visitor.sign_in(live_server, "bob")
    page = visitor.page
    mine = forum["replies"][0]
    for path in (forum["url"], f"/p/{mine}/edit", f"/p/{forum['replies'][1]}/flag"):
        page.goto(live_server + path)
        assert page.evaluate("document.activeElement === document.body"), f"{path} moved the focus on load"
    page.goto(live_server + forum["url"])
    expect(page.locator("#post-keys")).to_have_count(1)
    expect(page.locator("#post-keys")).to_be_hidden()  # J and K need the script
    tab_to(page, "a.skip-link[href='#reply-heading']")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    wait_focus(page, "#reply-body")
