"""Members' journeys in a real browser, with JavaScript on and off: register, start a thread,
reply, edit and delete; every distinct page scanned by axe-core and photographed."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CATEGORY
from tests.browser.visitor import Visitor, posts, sign_in
from tests.factories import PASSWORD, make_thread, make_user
from tests.mail_server import finish_link

pytestmark = pytest.mark.browser

DELETED = "This post was deleted by its author."


def register(page, base_url, inbox, username, display_name, check=None):
    """Fill the registration form by its labels, follow the link in the mail, choose the password
    and land signed in; `check(page, what)`, when given, scans and photographs each new page."""
    check = check or (lambda page, what: None)
    page.goto(base_url + "/register")
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Display name", exact=True).fill(display_name)
    page.get_by_label("Email", exact=True).fill(f"{username}@example.com")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(page.get_by_text(f"We have sent a message to {username}@example.com.")).to_be_visible()
    check(page, "check-your-email")
    page.goto(base_url + finish_link(inbox.last_to(f"{username}@example.com")))
    expect(page.get_by_role("heading", name="Finish creating your account")).to_be_visible()
    expect(page.get_by_label("Username", exact=True)).to_have_value(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    check(page, "finish-registration")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text(f"Welcome, {display_name}! Your account is ready and you are signed in.")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def fill_new_thread(page, title, body):
    """From the thread list, follow "New thread" and fill in the opening post."""
    page.get_by_role("link", name="New thread").click()
    expect(page.get_by_role("heading", name="Start a thread")).to_be_visible()
    page.get_by_label("Category", exact=True).select_option(label=CATEGORY)
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Post", exact=True).fill(body)


class Tab(Visitor):
    """One member's page, remembering its navigation requests and the dialogs it accepted."""

    def reply(self, text) -> str:
        """Post a reply with the composer; returns the new post's id."""
        page = self.page
        before = posts(page).count()
        armed = self.arm() if self.javascript else None
        page.locator("#reply-body").fill(text)
        page.locator("#reply-form").get_by_role("button", name="Reply").click()
        if self.javascript:
            new_post = posts(page).filter(has_text=text)
            expect(new_post).to_be_visible()
            expect(posts(page)).to_have_count(before + 1)
            expect(page.locator("#thread-meta")).to_have_text(f"{before + 1} posts")
            self.assert_same_document(armed)
            expect(page.locator("#reply-body")).to_have_value("")
            return new_post.get_attribute("id").removeprefix("p")
        expect(page).to_have_url(re.compile(r"#p\d+$"))
        post_id = re.search(r"#p(\d+)$", page.url).group(1)
        expect(page.locator(f"article#p{post_id}")).to_contain_text(text)
        expect(page.locator("#reply-body")).to_have_value("")
        return post_id


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_members_start_reply_edit_and_delete(javascript, live_server, live_inbox, new_context, axe_check,
                                             screenshot):
    title, opening = "Which kettle do you use?", "Mine whistles, and I would like one that does not."
    b_text, a_text, a_edited = "A quiet one, from the market.", "Thanks, I will lookk.", "Thanks, I will look."

    # Member A registers, follows the link in the mail, and lands signed in on the thread list.
    a = Tab(new_context(javascript), javascript)
    a.page.goto(live_server + "/register")
    axe_check(a.page, "the registration page")
    screenshot(a.page, "a-register-form")

    def scan(page, what):
        axe_check(page, f"the {what} page")
        screenshot(page, f"a-{what}")

    register(a.page, live_server, live_inbox, "alice", "Alice Example", check=scan)
    expect(a.page).to_have_url(live_server + "/")
    axe_check(a.page, "the thread list, signed in")
    screenshot(a.page, "a-registered")

    # A starts a thread and is on its page, the opening post shown.
    fill_new_thread(a.page, title, opening)
    axe_check(a.page, "the new-thread form")
    screenshot(a.page, "a-new-thread-form")
    a.page.get_by_role("button", name="Post thread").click()
    expect(a.page.get_by_role("heading", level=1, name=title)).to_be_visible()
    expect(a.page).to_have_url(re.compile(r"/t/\d+-which-kettle-do-you-use$"))
    expect(a.page.get_by_text("Your thread is posted.")).to_be_visible()
    expect(posts(a.page)).to_have_count(1)
    expect(posts(a.page).first).to_contain_text(opening)
    thread_url = a.page.url
    axe_check(a.page, "the thread page")
    screenshot(a.page, "a-thread-posted")

    # Member B registers, opens the thread and replies.
    b = Tab(new_context(javascript), javascript)
    register(b.page, live_server, live_inbox, "bob", "Bob Example")
    screenshot(b.page, "b-registered")
    b.page.goto(thread_url)
    expect(posts(b.page).first).to_contain_text(opening)
    expect(b.page.locator("#posts").get_by_role("link", name="Edit")).to_have_count(0)
    b_post = b.reply(b_text)
    axe_check(b.page, "the thread page after B's reply")
    screenshot(b.page, "b-replied")

    # A comes back to the thread, sees B's reply and replies too.
    a.page.goto(thread_url)
    expect(posts(a.page).nth(1)).to_contain_text(b_text)
    a_post = a.reply(a_text)
    expect(posts(a.page)).to_have_count(3)
    screenshot(a.page, "a-replied")

    # A edits that reply: in place with JavaScript, on the edit page without.
    edit_reply(a, a_post, a_text, a_edited, axe_check, screenshot)
    expect(posts(a.page)).to_have_count(3)
    axe_check(a.page, "the thread page after the edit")
    screenshot(a.page, "a-edited")

    # A deletes it: the placeholder takes its place, the other posts stay.
    delete_reply(a, a_post)
    expect(posts(a.page)).to_have_count(3)
    expect(posts(a.page).nth(0)).to_contain_text(opening)
    expect(a.page.locator(f"article#p{b_post}")).to_contain_text(b_text)
    axe_check(a.page, "the thread page after the delete")
    screenshot(a.page, "a-deleted")

    # B sees the same thread on reloading.
    b.page.goto(thread_url)
    expect(b.page.locator(f"article#p{a_post}")).to_contain_text(DELETED)
    expect(b.page.locator(f"article#p{a_post}")).not_to_contain_text(a_edited)
    expect(b.page.locator(f"article#p{b_post}")).to_contain_text(b_text)
    expect(posts(b.page).nth(0)).to_contain_text(opening)
    screenshot(b.page, "b-sees-deleted")


def edit_reply(tab, post_id, old_text, new_text, axe_check, screenshot):
    """Edit a post through its Edit link and check the new text is shown in the post's place."""
    page = tab.page
    armed = tab.arm() if tab.javascript else None
    page.locator(f"article#p{post_id}").get_by_role("link", name="Edit").click()
    editor = page.locator(f"#edit-body-{post_id}")
    expect(editor).to_be_visible()
    if tab.javascript:
        # The form stands where the post stood: same id, in the thread, and the post is gone.
        expect(page.locator(f"#posts #p{post_id} #edit-body-{post_id}")).to_be_visible()
        expect(page.locator(f"article#p{post_id}")).to_have_count(0)
        tab.assert_same_document(armed)
    else:
        expect(page).to_have_url(re.compile(rf"/p/{post_id}/edit$"))
        expect(page.get_by_role("heading", name="Edit your post")).to_be_visible()
    expect(editor).to_have_value(old_text)
    axe_check(page, "the edit form" + (" in place" if tab.javascript else " page"))
    screenshot(page, "a-editing")
    editor.fill(new_text)
    page.get_by_role("button", name="Save changes").click()
    post = page.locator(f"article#p{post_id}")
    expect(post).to_contain_text(new_text)
    expect(post).not_to_contain_text("edited")  # a quick fix within the grace period keeps no history
    expect(editor).to_have_count(0)
    if tab.javascript:
        tab.assert_same_document(armed)
    else:
        expect(page).to_have_url(re.compile(rf"/t/\d+-[\w-]+#p{post_id}$"))
        expect(page.get_by_text("Your post is updated.")).to_be_visible()


def delete_reply(tab, post_id):
    """Delete a post with its Delete button (accepting the confirmation) and see the placeholder."""
    page = tab.page
    armed = tab.arm() if tab.javascript else None
    page.locator(f"article#p{post_id}").get_by_role("button", name="Delete").click()
    post = page.locator(f"article#p{post_id}")
    expect(post).to_contain_text(DELETED)
    expect(post.get_by_role("button", name="Delete")).to_have_count(0)
    expect(post.get_by_role("link", name="Edit")).to_have_count(0)
    if tab.javascript:
        assert tab.dialogs == ["Delete this post? Its text will be replaced by a note that you deleted it."]
        tab.assert_same_document(armed)
    else:
        expect(page).to_have_url(re.compile(rf"/t/\d+-[\w-]+#p{post_id}$"))
        expect(page.get_by_text("Your post is deleted.")).to_be_visible()


def test_thread_page_has_no_console_errors(live_app, live_server, new_context):
    with live_app.app_context():
        author = make_user(username="carol")
        thread = make_thread(author=author, title="Console check", body="Nothing should complain.")
        thread_url = f"{live_server}/t/{thread.id}-{thread.slug}"
    page = new_context(javascript=True).new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(
        f"{message.text} ({message.location.get('url')})"))
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))

    sign_in(page, live_server, "carol")
    page.goto(thread_url)
    assert page.evaluate("typeof window.htmx") == "object", "htmx did not load"
    page.locator("#reply-body").fill("Swapped in under the CSP.")
    page.locator("#reply-form").get_by_role("button", name="Reply").click()
    expect(posts(page).filter(has_text="Swapped in under the CSP.")).to_be_visible()

    assert errors == []
