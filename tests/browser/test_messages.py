"""Private conversations in a real browser, with JavaScript on and off: a member writes to another from
their profile, the other sees the count and answers; a member who is ignored is refused; a flagged
message is what staff may read, and nothing else of the conversation."""

import re

import pytest
from playwright.sync_api import expect

from forum.members.service import preferences
from tests.browser.visitor import Console, Visitor
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_two_members_converse_an_ignored_one_is_refused_and_staff_read_only_what_is_flagged(
        live_app, live_server, new_context, axe_check, screenshot, javascript):
    with live_app.app_context():
        make_user(username="ann", display_name="Ann Archer")
        bob = make_user(username="bob", display_name="Bob Baker")
        dan = make_user(username="dan", display_name="Dan Dunn")
        make_user(username="carol", display_name="Carol Mod", role="moderator")
        preferences.ignore(bob, dan)

    console = Console()
    ann = Visitor(new_context(javascript), javascript, name="ann", console=console)
    ann.sign_in(live_server, "ann")
    ann.page.goto(f"{live_server}/u/bob")
    ann.page.get_by_role("link", name="Send a private message").click()
    ann.page.get_by_label("Subject").fill("Sunday walk")
    ann.page.get_by_label("Message").fill("Are you coming on **Sunday**?")
    axe_check(ann.page, "the new conversation form")
    screenshot(ann.page, "new-conversation")
    ann.page.get_by_role("button", name="Send message").click()
    expect(ann.page.get_by_role("heading", name="Sunday walk")).to_be_visible()
    expect(ann.page.locator("#messages strong")).to_have_text("Sunday")

    phone = new_context(javascript, color_scheme="dark")
    bob_visitor = Visitor(phone, javascript, name="bob", console=console)
    bob_visitor.sign_in(live_server, "bob")
    page = bob_visitor.page
    expect(page.locator("#notification-count .count")).to_contain_text("1")
    page.goto(f"{live_server}/messages")
    expect(page.locator(".conversation-row.unread")).to_have_count(1)
    axe_check(page, "the inbox with an unread conversation")
    screenshot(page, "inbox-unread")
    page.get_by_role("link", name="Sunday walk").click()
    page.get_by_label("Your message").fill("Yes, see you at ten.")
    armed = bob_visitor.arm() if javascript else None
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#messages > article")).to_have_count(2)
    expect(page.locator("#messages")).to_contain_text("Yes, see you at ten.")
    if javascript:
        bob_visitor.assert_same_document(armed)
        expect(page.get_by_label("Your message")).to_have_value("")
    axe_check(page, "the conversation after a reply")
    screenshot(page, "conversation-replied")

    # Bob flags Ann's message for the moderators.
    page.locator("#messages > article").first.get_by_role("link", name="Flag").click()
    page.get_by_label("Unkind").check()
    page.get_by_role("button", name="Flag for the moderators").click()
    if not javascript:
        expect(page.locator(".flash")).to_contain_text("the moderators can read this message")

    dan_visitor = Visitor(new_context(javascript), javascript, name="dan", console=console)
    dan_visitor.sign_in(live_server, "dan")
    dan_visitor.page.goto(f"{live_server}/messages/new?to=bob")
    dan_visitor.page.get_by_label("Subject").fill("Hello")
    dan_visitor.page.get_by_label("Message").fill("Can we talk?")
    dan_visitor.page.get_by_role("button", name="Send message").click()
    expect(dan_visitor.page.locator("#to-error")).to_have_text("You can't message this member.")
    expect(dan_visitor.page.get_by_label("Message")).to_have_value("Can we talk?")
    axe_check(dan_visitor.page, "the refused conversation")
    screenshot(dan_visitor.page, "ignored-refused")

    carol = Visitor(new_context(javascript), javascript, name="carol", console=console)
    carol.sign_in(live_server, "carol")
    carol.page.goto(f"{live_server}/mod/messages")
    carol.page.get_by_role("link", name="Read message").click()
    expect(carol.page.locator(".posts")).to_contain_text("Are you coming on Sunday?")
    expect(carol.page.locator(".posts")).not_to_contain_text("see you at ten")
    axe_check(carol.page, "a flagged message for staff")
    screenshot(carol.page, "staff-flagged-message")
    conversation_url = ann.page.url.split("#")[0]
    assert carol.page.goto(conversation_url).status == 404
    expected = ("status of 422", "status of 404")  # the refused form, and the conversation staff may not open
    assert [error for error in console.errors if not any(status in error for status in expected)] == []


def test_a_conversation_on_a_phone(live_app, live_server, new_context, axe_check, screenshot):
    from forum.messages import service
    with live_app.app_context():
        ann = make_user(username="ann", display_name="Ann Archer")
        bob = make_user(username="bob", display_name="Bob Baker")
        conversation = service.start_conversation(ann, [bob], "Sunday walk", "Are you coming on **Sunday**?")
        service.add_message(conversation, bob, "> **Ann Archer** wrote:\n> Are you coming?\n\nYes, at ten.")
        conversation_id = conversation.id
    visitor = Visitor(new_context(True, viewport={"width": 390, "height": 844}), True, name="ann")
    page = visitor.page
    page.goto(f"{live_server}/login")
    page.get_by_label("Username or email", exact=True).fill("ann")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as Ann Archer")).to_be_visible()
    page.goto(f"{live_server}/messages/{conversation_id}")
    expect(page.locator("#messages > article")).to_have_count(2)
    axe_check(page, "a conversation on a phone")
    screenshot(page, "conversation-phone")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_third_member_joins_and_quotes_nothing_private_leaves_and_the_moderators_write(
        live_app, live_server, new_context, axe_check, screenshot, javascript):
    from forum.messages import service
    from tests.factories import make_thread
    with live_app.app_context():
        ann = make_user(username="ann", display_name="Ann Archer")
        bob = make_user(username="bob", display_name="Bob Baker")
        rhonda = make_user(username="rhonda", display_name="Rhonda Bird")
        make_user(username="carol", display_name="Carol Mod", role="moderator")
        make_user(username="moe", display_name="Moe Mod", role="moderator")
        walk = service.start_conversation(ann, [bob], "Sunday walk", "Are you coming on **Sunday**?")
        first_id, walk_id = walk.last_message_id, walk.id
        secret_id = service.start_conversation(bob, [rhonda], "Keys", "The key is under the mat.").last_message_id
        thread = make_thread(author=bob, title="Open talk", body="Anyone may read this.")
        thread_url = f"/t/{thread.id}-{thread.slug}"
    forged = f"> [Bob Baker](/messages/m/{secret_id}) wrote:\n> The key is somewhere.\n\nDid you hear?"
    console = Console()

    # Ann adds Rhonda to the conversation.
    ann_visitor = Visitor(new_context(javascript), javascript, name="ann", console=console)
    ann_visitor.sign_in(live_server, "ann")
    page = ann_visitor.page
    page.goto(f"{live_server}/messages/{walk_id}")
    page.get_by_label("Add a member").fill("rhonda")
    page.get_by_role("button", name="Add to the conversation").click()
    expect(page.locator(".flash")).to_contain_text("rhonda is in the conversation now.")
    expect(page.locator(".thread-meta")).to_contain_text("Rhonda")

    # Rhonda reads it from the start, and quotes Ann's message.
    rhonda_visitor = Visitor(new_context(javascript, color_scheme="dark"), javascript, name="rhonda", console=console)
    rhonda_visitor.sign_in(live_server, "rhonda")
    page = rhonda_visitor.page
    page.goto(f"{live_server}/messages")
    page.get_by_role("link", name="Sunday walk").click()
    expect(page.locator("#messages")).to_contain_text("Are you coming on Sunday?")
    page.wait_for_load_state()  # htmx is ready: a Quote clicked before it is a plain link (the no-JS way)
    box = page.get_by_label("Your message")
    if javascript:
        with page.expect_response(lambda r: r.url.endswith(f"/messages/m/{first_id}/quote")):
            page.locator(f"#m{first_id}").get_by_role("link", name="Quote").click()
    else:
        page.locator(f"#m{first_id}").get_by_role("link", name="Quote").click()
    expect(box).to_have_value(re.compile(rf"^> \[Ann Archer\]\(/messages/m/{first_id}\) wrote:\n> Are you coming"))
    page.wait_for_load_state()  # without JavaScript the quote came with a new page: typing waits for all of it
    box.press("Control+End")
    box.press_sequentially("I'll bring snacks.")
    if javascript:  # the draft is kept as she types, and comes back with the page
        with page.expect_response(lambda r: r.url.endswith(f"/messages/{walk_id}/draft")):
            box.press_sequentially(" ")
        page.reload()
        expect(page.locator("#draft-note")).to_be_visible()
        expect(box).to_have_value(re.compile(r"I'll bring snacks\.\s*$"))
    quoted = box.input_value()

    # A message of a conversation she is in elsewhere cannot be quoted here: refused beside the field, kept.
    box.fill(forged)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#message-body-error")).to_contain_text("This quotes a message from another conversation")
    expect(box).to_have_value(forged)
    box.fill(quoted)
    page.get_by_role("button", name="Send", exact=True).click()
    mine = page.locator("#messages > article").last
    expect(mine.locator("blockquote.quote cite")).to_have_text("Ann Archer wrote:")
    expect(mine.locator("blockquote.quote cite a")).to_have_attribute("href", f"/messages/m/{first_id}")
    expect(mine).to_contain_text("I'll bring snacks.")
    axe_check(page, "a conversation with a quote, dark")
    screenshot(page, "third-member-quotes")
    page.wait_for_timeout(1500)  # past the composer's draft delay: a save still pending must not bring it back
    page.reload()
    expect(page.locator("#draft-note")).to_have_count(0)
    expect(box).to_have_value("")

    # Nor can a private message be quoted into a public thread.
    page.goto(f"{live_server}{thread_url}")
    page.locator("#reply-body").fill(forged)
    page.get_by_role("button", name="Reply", exact=True).click()
    expect(page.locator("#reply-body-error")).to_contain_text("This quotes a private message.")
    expect(page.locator("#reply-body")).to_have_value(forged)
    screenshot(page, "public-quote-refused")

    # Carol writes to Bob from the moderators; Moe, another moderator, finds and reads it.
    carol = Visitor(new_context(javascript), javascript, name="carol", console=console)
    carol.sign_in(live_server, "carol")
    carol.page.goto(f"{live_server}/u/bob/standing")
    carol.page.get_by_role("link", name="Write to them privately, from the moderators").click()
    expect(carol.page.get_by_label("Send as the moderators", exact=False)).to_be_checked()
    carol.page.get_by_label("Subject").fill("A quiet word")
    carol.page.get_by_label("Message").fill("Please keep the thread on topic.")
    carol.page.get_by_role("button", name="Send message").click()
    expect(carol.page.get_by_role("heading", name="A quiet word")).to_be_visible()
    expect(carol.page.locator(".thread-head .badge")).to_contain_text("From the moderators")

    moe = Visitor(new_context(javascript), javascript, name="moe", console=console)
    moe.sign_in(live_server, "moe")
    moe.page.goto(f"{live_server}/u/bob/standing")
    moe.page.get_by_role("link", name="A quiet word").click()
    expect(moe.page.locator("#messages")).to_contain_text("Please keep the thread on topic.")
    axe_check(moe.page, "a conversation from the moderators, read by another moderator")
    screenshot(moe.page, "from-the-moderators")

    bob_visitor = Visitor(new_context(javascript), javascript, name="bob", console=console)
    bob_visitor.sign_in(live_server, "bob")
    bob_visitor.page.goto(f"{live_server}/messages")
    row = bob_visitor.page.locator(".conversation-row", has_text="A quiet word")
    expect(row.locator(".badge")).to_have_text("From the moderators")
    assert [error for error in console.errors if "status of 422" not in error] == []


def test_a_new_conversation_is_kept_as_a_draft_and_a_link_to_another_member_keeps_its_words(
        live_app, live_server, new_context, axe_check, screenshot):
    """Typing saves the new conversation's form; coming back brings it back with a note, and a profile's
    "Send a private message" to someone else keeps the words but addresses them to that member."""
    with live_app.app_context():
        make_user(username="ann", display_name="Ann Archer")
        make_user(username="bob", display_name="Bob Baker")
        make_user(username="dan", display_name="Dan Dunn")
    ann = Visitor(new_context(True), True, name="ann", console=Console())
    ann.sign_in(live_server, "ann")
    page = ann.page
    page.goto(f"{live_server}/messages/new")
    page.get_by_label("To").fill("bob")
    page.get_by_label("Subject").fill("Sunday walk")
    with page.expect_response(lambda response: response.url.endswith("/messages/new/draft")
                              and "boots" in (response.request.post_data or "")):
        page.get_by_label("Message").press_sequentially("Bring boots")
    page.reload()
    expect(page.locator("#draft-note")).to_contain_text("Your unfinished message from")
    expect(page.get_by_label("To")).to_have_value("bob")
    expect(page.get_by_label("Message")).to_have_value("Bring boots")
    page.goto(f"{live_server}/u/dan")
    page.get_by_role("link", name="Send a private message").click()
    expect(page.locator("#draft-note")).to_contain_text("now addressed to dan")
    expect(page.get_by_label("To")).to_have_value("dan")
    expect(page.get_by_label("Subject")).to_have_value("Sunday walk")
    axe_check(page, "the new conversation form with a draft to someone else")
    screenshot(page, "new-conversation-draft-readdressed")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("heading", name="Sunday walk")).to_be_visible()
    page.goto(f"{live_server}/messages/new")
    expect(page.locator("#draft-note")).to_have_count(0)
    expect(page.get_by_label("Message")).to_have_value("")
