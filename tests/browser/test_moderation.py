"""The moderation journey in a real browser, with JavaScript on and off.

A member flags a post, a moderator hides it from /mod, an admin suspends its author while the
author has a reply half-written in another browser; that browser's next reply is refused and the
author is told why, appeals from their standing page, and a second moderator lifts the suspension
on appeal. /modlog shows all of it, with roles and public reasons and nothing private.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.extensions import db
from forum.models import Category, Sanction
from tests.browser.visitor import Console, Visitor, posts
from tests.factories import make_reply, make_thread, make_user

pytestmark = pytest.mark.browser

ANGRY = "Nobody asked for your opinion, and nobody ever will."
FLAG_NOTE = "Third time this week he has talked to people like this."
HIDE_REASON = "Rule 2: be kind to other members."
SUSPEND_REASON = "Repeated personal attacks after a warning."
INTERNAL_NOTE = "Staff only: see the thread about the garden party."
DRAFT = "You are all wrong about the dogs, and here is why."
APPEAL = "I lost my temper and I am sorry. I will keep to the rules."
DECISION = "A first suspension, and a sincere apology: lifted."
AFTER = "Sorry, everyone. Dogs on leads it is."
DAYS = 7
# Chromium reports every 4xx answer on the console; these are the refusals the journey expects.
REFUSED_ON_CONSOLE = re.compile(r"Failed to load resource: the server responded with a status of 40[13]\b")


def flash(page):
    return page.locator("#flash")


@pytest.fixture
def forum(live_app, live_server):
    """The cast (an admin, two moderators, an author, a flagger) and a thread with the author's post."""
    with live_app.app_context():
        general = db.session.scalar(select(Category).where(Category.slug == "general"))
        make_user(username="ada", display_name="Ada Admin", email="ada@example.com", role="admin")
        make_user(username="moe", display_name="Moe Moderator", email="moe@example.com", role="moderator")
        make_user(username="mia", display_name="Mia Moderator", email="mia@example.com", role="moderator")
        author = make_user(username="otto", display_name="Otto Author", email="otto@example.com")
        flagger = make_user(username="fran", display_name="Fran Flagger", email="fran@example.com")
        thread = make_thread(author=flagger, category=general, title="Dogs in the park",
                             body="Should dogs be on a lead near the playground?")
        post = make_reply(thread, author, ANGRY)
        return {"base": live_server, "thread_url": f"{live_server}/t/{thread.id}-{thread.slug}",
                "post_id": post.id}


def suspension_end(live_app) -> str:
    """The end of the suspension as pages show it (the `longtime` format)."""
    with live_app.app_context():
        ends_at = db.session.scalar(select(Sanction.ends_at).where(Sanction.kind == "suspension"))
        db.session.remove()
    return ends_at.strftime("%-d %B %Y, %H:%M UTC")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_flag_hide_suspend_appeal_and_lift(javascript, forum, live_app, new_context, axe_check, screenshot):
    base, thread_url, post_id = forum["base"], forum["thread_url"], forum["post_id"]
    console = Console()

    def visitor(name, username=None):
        # No dialog is expected in this journey: none is accepted, so Playwright dismisses any.
        person = Visitor(new_context(javascript), javascript, name=name, console=console,
                         accept_dialogs=False)
        if username:
            person.sign_in(base, username)
        return person

    # 1. Fran flags Otto's post with a reason and a note.
    console.step = "1 flag"
    fran = visitor("fran", "fran")
    fran.page.goto(thread_url)
    flag_post(fran, post_id)
    screenshot(fran.page, "fran-flagged")

    # 2. Moe opens /mod, sees the flag and hides the post with a public reason.
    console.step = "2 hide"
    moe = visitor("moe", "moe")
    moe.page.goto(base + "/mod")
    item = moe.page.locator(f"#queue-item-{post_id}")
    expect(item).to_contain_text(ANGRY)
    expect(item).to_contain_text("Unkind from Fran Flagger")
    expect(item).to_contain_text(FLAG_NOTE)
    expect(item.get_by_role("heading", name="1 open flag")).to_be_visible()
    axe_check(moe.page, "the review queue")
    screenshot(moe.page, "moe-queue")
    hide_post(moe, post_id)
    screenshot(moe.page, "moe-hidden")
    fran.page.goto(thread_url)
    removed = fran.page.locator(f"article#p{post_id}")
    expect(removed.locator(".placeholder")).to_have_text(f"Removed by a moderator: {HIDE_REASON}")
    expect(removed).not_to_contain_text(ANGRY)
    screenshot(fran.page, "fran-sees-placeholder")

    # 3. Otto is on the thread page, a reply half-written in the composer.
    console.step = "3 compose"
    otto = visitor("otto", "otto")
    otto.page.goto(thread_url)
    compose(otto, DRAFT)
    screenshot(otto.page, "otto-composing")

    # 4. Ada suspends Otto from his standing page: preview first, then issue.
    console.step = "4 suspend"
    ada = visitor("ada", "ada")
    suspend(ada, base, axe_check, screenshot)
    ends = suspension_end(live_app)
    notice = f"Suspended until {ends}. Reason: {SUSPEND_REASON}"

    # 5. Otto's next reply is refused: signed out, he signs in again, sees why, and cannot post.
    console.step = "5 refused"
    reply_after_suspension(otto, thread_url, notice, axe_check, screenshot)
    console.step = "5 notice on every page"
    for path in ("/", "/standing"):
        otto.page.goto(base + path)
        expect(otto.page.locator(".notices")).to_contain_text(notice)

    # 6. Otto appeals from his standing page.
    console.step = "6 appeal"
    appeal(otto, base, ends, axe_check, screenshot)

    # 7. Ada issued the suspension, so she may not decide; Mia lifts it on appeal.
    console.step = "7 decide"
    ada.page.goto(base + "/mod/appeals")
    expect(ada.page.locator("article.appeal-item")).to_contain_text(
        "You issued this sanction, so another moderator decides the appeal.")
    expect(ada.page.get_by_role("button", name="Decide")).to_have_count(0)
    mia = visitor("mia", "mia")
    lift_on_appeal(mia, base, axe_check, screenshot)

    # 8. Otto reloads: the notice is gone, his standing shows the decision, and a reply posts.
    console.step = "8 lifted"
    otto.page.reload()
    expect(otto.page.get_by_role("heading", name="Standing of Otto Author")).to_be_visible()
    expect(otto.page.locator(".notices")).to_have_count(0)
    sanction = otto.page.locator("li.sanction")
    expect(sanction).to_contain_text("lifted")
    expect(sanction).to_contain_text(f"Decision: lifted. {DECISION}")
    expect(sanction).to_contain_text(f"Appeal granted: {DECISION}")
    axe_check(otto.page, "the standing page after the appeal")
    screenshot(otto.page, "otto-standing-lifted")
    otto.page.goto(thread_url)
    expect(otto.page.locator(".notices")).to_have_count(0)
    reply(otto, AFTER)
    screenshot(otto.page, "otto-replied")

    # The public log: the hide, the suspension, the decision and the lift, nothing private.
    console.step = "modlog"
    guest = visitor("guest")
    guest.page.goto(base + "/modlog")
    check_modlog(guest.page)
    axe_check(guest.page, "the moderation log")
    screenshot(guest.page, "guest-modlog")

    unexpected = [line for line in console.errors
                  if not (line.startswith("[5 refused] otto:") and REFUSED_ON_CONSOLE.search(line))]
    assert unexpected == [], "Console errors:\n" + "\n".join(unexpected)


def flag_post(fran, post_id):
    """Flag a post through its Flag link: the form under the post (JS) or on its own page."""
    page = fran.page
    armed = fran.arm() if fran.javascript else None
    page.locator(f"article#p{post_id}").get_by_role("link", name="Flag").click()
    box = page.locator(f"#flag-{post_id}")
    if fran.javascript:
        expect(box.get_by_role("button", name="Flag for review")).to_be_visible()
        fran.assert_same_document(armed)
    else:
        expect(page).to_have_url(re.compile(rf"/p/{post_id}/flag$"))
        expect(page.get_by_role("heading", name="Flag a post for the moderators")).to_be_visible()
    box.get_by_label("Unkind").check()
    box.get_by_label("Note for the moderators").fill(FLAG_NOTE)
    box.get_by_role("button", name="Flag for review").click()
    if fran.javascript:
        expect(page.locator(f"#flag-{post_id}")).to_have_text("Flagged. Thank you: a moderator will review it.")
        fran.assert_same_document(armed)
    else:
        expect(page).to_have_url(re.compile(rf"/t/\d+-[\w-]+#p{post_id}$"))
        expect(flash(page)).to_contain_text("Thank you: a moderator will review the post.")


def hide_post(moe, post_id):
    """Hide the post from its queue entry, with a public reason."""
    page = moe.page
    item = page.locator(f"#queue-item-{post_id}")
    armed = moe.arm() if moe.javascript else None
    item.locator("summary", has_text="Hide").click()
    item.get_by_label("Public reason, shown in place of the post").fill(HIDE_REASON)
    item.get_by_role("button", name="Hide post").click()
    expect(flash(page)).to_contain_text("The post is hidden.")
    if moe.javascript:
        expect(item.locator(".queue-status")).to_have_text(f"Hidden by a moderator: {HIDE_REASON}")
        expect(item.get_by_role("heading", name="0 open flags")).to_be_visible()
        moe.assert_same_document(armed)
    else:
        expect(page).to_have_url(re.compile(r"/mod$"))
        expect(page.locator("#queue")).to_contain_text("Nothing to review.")


def compose(otto, text):
    """Type a reply; with JavaScript, wait until the composer has saved it as a draft."""
    box = otto.page.locator("#reply-body")
    if otto.javascript:
        with otto.page.expect_response(lambda r: r.url.endswith("/draft")) as saved:
            box.fill(text)
        assert saved.value.status == 204, f"the draft was not saved: {saved.value.status}"
    else:
        box.fill(text)
    expect(box).to_have_value(text)


def suspend(ada, base, axe_check, screenshot):
    """From Otto's standing page: Sanction this member, a 7-day suspension, Preview, Issue."""
    page = ada.page
    page.goto(base + "/u/otto/standing")
    page.get_by_role("link", name="Sanction this member").click()
    expect(page).to_have_url(base + "/mod/members/otto/sanction")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sanction Otto Author")
    entered = {"Reason shown to the member": SUSPEND_REASON, "Internal note for staff": INTERNAL_NOTE,
               "For how many days": str(DAYS)}
    page.get_by_label("Sanction", exact=True).select_option(label="Suspended")
    for label, value in entered.items():
        page.get_by_label(label).fill(value)
    armed = ada.arm() if ada.javascript else None
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview-box")).to_contain_text(
        "Otto Author is signed out everywhere at once and can only sign in to read the notice and appeal until ")
    if ada.javascript:  # the preview replaced the form in place
        ada.assert_same_document(armed)
    # The form keeps what was entered, ready to issue.
    expect(page.get_by_label("Sanction", exact=True)).to_have_value("suspension")
    for label, value in entered.items():
        expect(page.get_by_label(label)).to_have_value(value)
    axe_check(page, "the sanction form with its preview")
    screenshot(page, "ada-sanction-preview")
    page.get_by_role("button", name="Issue sanction").click()
    expect(page).to_have_url(base + "/u/otto/standing")
    expect(flash(page)).to_contain_text("suspension issued")
    expect(page.locator("li.sanction")).to_contain_text("in force")
    expect(page.locator("li.sanction")).to_contain_text(INTERNAL_NOTE)  # staff see the note
    screenshot(page, "ada-suspended-otto")


def reply_after_suspension(otto, thread_url, notice, axe_check, screenshot):
    """Otto presses Reply: the suspension signed him out, and he is told so where he is (his reply
    stays in the composer, or is shown back without JavaScript). He signs in from the notice to read
    his standing; the thread then offers him no composer, only why and until when."""
    page = otto.page
    box = page.locator("#reply-body")
    if otto.javascript:
        armed = otto.arm()
        with page.expect_response(lambda r: r.url.endswith("/reply")) as answered:
            page.locator("#reply-form").get_by_role("button", name="Reply").click()
        assert answered.value.status == 401, f"the reply got {answered.value.status}"
        # the notice in the page's flow above the composer (no longer over it in #flash), the flash says "not sent"
        in_place = page.locator("#signed-out-in-place + #reply-form").locator("xpath=preceding-sibling::*[1]")
        expect(in_place).to_contain_text("You were signed out: your account is suspended until")
        expect(in_place).to_contain_text(SUSPEND_REASON)
        expect(flash(page)).to_contain_text("Not sent: you were signed out.")
        expect(box).to_have_value(DRAFT)
        otto.assert_same_document(armed)
    else:
        page.locator("#reply-form").get_by_role("button", name="Reply").click()
        expect(page.get_by_role("heading", name="Not sent: you were signed out")).to_be_visible()
        expect(page.locator("section.signed-out")).to_contain_text(SUSPEND_REASON)
        expect(page.get_by_label("Your text")).to_have_value(DRAFT)
    axe_check(page, "the signed-out notice after a refused reply")
    screenshot(page, "otto-told-why")
    page.locator("section.signed-out").first.get_by_role("link", name="Your standing").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("section.signed-out")).to_contain_text("You were signed out")
    otto.sign_in(username="otto")
    expect(page.get_by_role("heading", name="Standing of Otto Author")).to_be_visible()
    page.goto(thread_url)
    expect(page.locator(".notices")).to_contain_text(notice)
    expect(page.locator(".notices").get_by_role("link", name="Your standing and appeal")).to_be_visible()
    expect(page.locator("section.signed-out")).to_have_count(0)
    expect(page.locator("#reply-form")).to_have_count(0)  # nothing offered that would be refused
    expect(page.locator("#no-reply")).to_contain_text("You cannot reply while your account is suspended until")
    axe_check(page, "the thread page with the suspension notice")
    screenshot(page, "otto-notice")
    expect(posts(page).filter(has_text=DRAFT)).to_have_count(0)


def appeal(otto, base, ends, axe_check, screenshot):
    """From /standing: the suspension in force (without the staff's note), then the appeal sent."""
    page = otto.page
    page.goto(base + "/standing")
    expect(page).to_have_url(base + "/u/otto/standing")
    sanction = page.locator("li.sanction")
    expect(sanction).to_have_count(1)
    for shown in ("Suspended", "in force", f"Reason: {SUSPEND_REASON}", f"until {ends}"):
        expect(sanction).to_contain_text(shown)
    expect(page.locator("main")).not_to_contain_text(INTERNAL_NOTE)
    axe_check(page, "the standing page with the appeal form")
    screenshot(page, "otto-standing")
    sanction.get_by_label("Your appeal").fill(APPEAL)
    sanction.get_by_role("button", name="Appeal").click()
    expect(flash(page)).to_contain_text("Your appeal is sent.")
    expect(sanction).to_contain_text(APPEAL)
    expect(sanction).to_contain_text("Waiting for a moderator other than the one who issued the sanction.")
    expect(sanction.get_by_role("button", name="Appeal")).to_have_count(0)
    screenshot(page, "otto-appealed")


def lift_on_appeal(mia, base, axe_check, screenshot):
    """Mia finds the appeal from /mod and lifts the suspension with a reason."""
    page = mia.page
    page.goto(base + "/mod")
    page.get_by_role("link", name="Appeals (1)").click()
    expect(page).to_have_url(base + "/mod/appeals")
    appeal = page.locator("article.appeal-item")
    expect(appeal).to_have_count(1)
    expect(appeal).to_contain_text("@otto: Suspended")
    expect(appeal).to_contain_text(SUSPEND_REASON)
    expect(appeal).to_contain_text(APPEAL)
    axe_check(page, "the appeals queue")
    screenshot(page, "mia-appeals")
    appeal.get_by_label("Lift the sanction").check()
    appeal.get_by_label("Reason, sent to the member").fill(DECISION)
    appeal.get_by_role("button", name="Decide").click()
    expect(page).to_have_url(base + "/mod/appeals")
    expect(flash(page)).to_contain_text("The appeal is decided.")
    expect(page.get_by_text("No appeals are waiting.")).to_be_visible()
    screenshot(page, "mia-decided")


def reply(otto, text):
    """Post a reply with the composer and see it in the thread."""
    page = otto.page
    before = posts(page).count()
    armed = otto.arm() if otto.javascript else None
    page.locator("#reply-body").fill(text)
    page.locator("#reply-form").get_by_role("button", name="Reply").click()
    expect(posts(page).filter(has_text=text)).to_be_visible()
    expect(posts(page)).to_have_count(before + 1)
    if otto.javascript:
        otto.assert_same_document(armed)
        expect(page.locator("#reply-body")).to_have_value("")
    else:
        expect(page).to_have_url(re.compile(r"#p\d+$"))


def check_modlog(page):
    """Each action with its role and public reason, newest first; no internal note, no removed text."""
    rows = page.locator("table.modlog tbody tr")
    expected = [  # (action, on, reason, by), newest first
        ("appeal granted: sanction lifted", "member", DECISION, "moderator"),  # one row, not two
        ("sanction suspension", "member", SUSPEND_REASON, "admin"),
        ("hide", "post", HIDE_REASON, "moderator"),
    ]
    expect(rows).to_have_count(len(expected))
    for row, (action, target, reason, role) in zip(rows.all(), expected, strict=True):
        expect(row.locator("td")).to_have_text([re.compile(r"\S"), action, target, reason, role])
    main = page.locator("main")
    for private in (INTERNAL_NOTE, FLAG_NOTE, ANGRY, APPEAL):
        expect(main).not_to_contain_text(private)
