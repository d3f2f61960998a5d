"""A whole conversation in one thread, in a real browser, with JavaScript on and off.

Two members quote each other three levels deep, one quotes a selected part of a post and answers
a specific post, one mentions another, edits after the grace period show their history, a quoted
post is deleted (and its quotes collapse), and a new member previews a reply whose link is hidden.
"""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from forum.extensions import db
from forum.models import Category, Post, User
from forum.models.base import utcnow
from tests.browser.visitor import Console, Visitor, post, posts
from tests.factories import make_reply, make_thread, make_user

pytestmark = pytest.mark.browser

DELETED = "This post was deleted by its author."
HIDDEN = "link hidden — new member"

TITLE = "Flooding on the river path"
OPENING = "The river path floods every spring.\n\nShould we raise the boardwalk before March?"
B_FIRST = "Raising it two feet would keep it dry in all but the worst years."
A_FIRST = "Two feet is what the council suggested too."
B_SECOND = "Then let us ask them for the timber."
SELECTED = "ask them for the timber"
A_BEFORE = "I agree with this part:\n\n"
A_AFTER = "See you at the meeting on Thursday."
LINK = "https://river.example/plan"
NEW_MEMBER_TEXT = "Tickets for the work day are at https://tickets.example/river, see you there."

# Names as others see them: Rhonda chose the short style, Lou did not.
RHONDA, RHONDA_SHORT, LOU = "Rhonda Bird", "Rhonda B.", "Lou Daniels"


def quote_of(name, post_id, body):
    """The Markdown a Quote inserts: '> [Name](/p/<id>) wrote:' and the quoted lines."""
    lines = body.strip("\n").split("\n")
    return f"> [{name}](/p/{post_id}) wrote:\n" + "\n".join(f"> {line}" if line.strip() else ">"
                                                           for line in lines) + "\n\n"


class Findings:
    """App bugs found on the way: recorded (with a screenshot) so the later steps still run."""

    def __init__(self, screenshot):
        self.screenshot = screenshot
        self.problems = []

    def check(self, page, step, assertion):
        try:
            assertion()
        except AssertionError as error:
            path = self.screenshot(page, "bug-" + re.sub(r"\W+", "-", step).strip("-").lower())
            said = [line.strip() for line in str(error).splitlines()[:2]]
            self.problems.append(f"{step}: {'; '.join(said)} (screenshot {path})")


class Member(Visitor):
    """One member's browser page: remembers navigations, accepted dialogs and console errors."""

    def composer(self):
        return self.page.locator("#reply-body")

    def quote(self, post_id, author_name, expected):
        """Follow a post's Quote link: the quote lands in the composer (or on the reply page)."""
        page = self.page
        armed = self.arm() if self.javascript else None
        post(page, post_id).get_by_role("link", name="Quote", exact=True).click()
        if self.javascript:
            expect(self.composer()).to_have_value(expected)
            self.assert_same_document(armed)
        else:
            expect(page).to_have_url(re.compile(rf"/p/{post_id}/reply\?quote=1$"))
            expect(page.get_by_role("heading", level=1)).to_have_text(f"Reply to {author_name}")
            expect(self.composer()).to_have_value(expected)

    def add_text(self, text):
        """Type after what is in the composer (the caret is at its end after a quote)."""
        box = self.composer()
        if self.javascript:
            box.focus()
            self.page.keyboard.insert_text(text)
        else:
            box.fill(box.input_value() + text)

    def send(self, shown=None) -> str:
        """Post what is in the composer with its Reply button; returns the new post's id.

        `shown` is a text the new post shows (by default the composer's last line)."""
        page = self.page
        text = self.composer().input_value()
        before = posts(page).count() if self.javascript else None
        armed = self.arm() if self.javascript else None
        page.locator("#reply-form").get_by_role("button", name="Reply", exact=True).click()
        if self.javascript:
            expect(posts(page)).to_have_count(before + 1)
            self.assert_same_document(armed)
            expect(self.composer()).to_have_value("")
            post_id = posts(page).last.get_attribute("id").removeprefix("p")
        else:
            expect(page).to_have_url(re.compile(r"/t/\d+-[\w-]+#p\d+$"))
            post_id = re.search(r"#p(\d+)$", page.url).group(1)
            expect(self.composer()).to_have_value("")
        expect(post(page, post_id)).to_contain_text(shown or text.strip().splitlines()[-1])
        return post_id


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_conversation(javascript, live_app, live_server, new_context, axe_check, screenshot):
    live_app.config["EDIT_GRACE_SECONDS"] = 0  # every edit here comes after the grace period
    with live_app.app_context():
        general = db.session.scalar(select(Category).where(Category.slug == "general"))
        rhonda = make_user(username="rhonda", display_name=RHONDA, name_style="short")
        lou = make_user(username="lou", display_name=LOU)
        make_user(username="rhett", display_name="Rhett Example")
        make_user(username="nell", display_name="Nell Newcomb")
        # Lou is an established member (an old account with posts): his links are published.
        older = make_thread(author=lou, category=general, title="Boardwalk timber, last year",
                            body="We used larch.")
        make_reply(older, lou, "It lasted well.")
        make_reply(older, lou, "Some boards need replacing now.")
        db.session.execute(update(User).where(User.id == lou.id)
                           .values(created_at=utcnow() - timedelta(days=30)))
        db.session.commit()
        thread = make_thread(author=rhonda, category=general, title=TITLE, body=OPENING)
        thread_url = f"{live_server}/t/{thread.id}-{thread.slug}"
        p1 = str(db.session.scalar(select(Post.id).where(Post.thread_id == thread.id).order_by(Post.id)))

    console = Console()
    findings = Findings(screenshot)
    a = Member(new_context(javascript), javascript, "rhonda", console)
    b = Member(new_context(javascript), javascript, "lou", console)
    a.sign_in(live_server, "rhonda")
    b.sign_in(live_server, "lou")

    # 1. Lou quotes Rhonda's opening post and replies.
    console.step = "1 quoting three levels deep"
    b.page.goto(thread_url)
    expect(post(b.page, p1).locator(".author")).to_have_text(RHONDA_SHORT)
    expect(b.page.locator("#link-policy")).to_have_count(0)  # established: no warning about links
    b.quote(p1, RHONDA_SHORT, quote_of(RHONDA_SHORT, p1, OPENING))
    screenshot(b.page, "b-quoted-opening")
    b.add_text(B_FIRST)
    p2 = b.send()
    quote = post(b.page, p2).locator(".post-body > blockquote.quote")
    expect(quote.locator("cite.attribution")).to_have_text(f"{RHONDA_SHORT} wrote:")
    expect(quote).to_contain_text("Should we raise the boardwalk before March?")

    # Rhonda quotes Lou's reply (which holds her own quote) and replies.
    console.step = "1 Rhonda quotes Lou"
    a.page.goto(thread_url)
    p2_body = quote_of(RHONDA_SHORT, p1, OPENING) + B_FIRST
    a.quote(p2, LOU, quote_of(LOU, p2, p2_body))
    a.add_text(A_FIRST)
    p3 = a.send()
    screenshot(a.page, "a-replied-with-nested-quote")

    # Lou quotes that: three levels of quotes, each naming its author.
    console.step = "1 Lou quotes Rhonda's quote"
    b.page.goto(thread_url)
    p3_body = quote_of(LOU, p2, p2_body) + A_FIRST
    b.quote(p3, RHONDA_SHORT, quote_of(RHONDA_SHORT, p3, p3_body))
    b.add_text(B_SECOND)
    p4 = b.send()
    body = post(b.page, p4).locator(".post-body")
    expect(body.locator("blockquote.quote")).to_have_count(3)
    levels = [body.locator(":scope > blockquote.quote"),
              body.locator(":scope > blockquote.quote > blockquote.quote"),
              body.locator(":scope > blockquote.quote > blockquote.quote > blockquote.quote")]
    for level, (name, quoted) in zip(levels, [(RHONDA_SHORT, p3), (LOU, p2), (RHONDA_SHORT, p1)]):
        expect(level).to_have_count(1)
        expect(level).to_have_attribute("data-quote", quoted)
        cite = level.locator(":scope > p > cite.attribution")
        expect(cite).to_have_text(f"{name} wrote:")
        expect(cite.get_by_role("link")).to_have_text(name)
        expect(cite.get_by_role("link")).to_have_attribute("href", f"/p/{quoted}")
    expect(levels[2]).to_contain_text("The river path floods every spring.")
    expect(levels[1]).to_contain_text(B_FIRST)
    expect(levels[0]).to_contain_text(A_FIRST)
    post(b.page, p4).scroll_into_view_if_needed()
    screenshot(b.page, "b-three-levels-deep")

    # 2 and 3. Rhonda answers Lou's last post, quoting only the words she selected in it.
    console.step = "2-3 selection quote and answer"
    a.page.goto(thread_url)
    answer_with_selection(a, p4, screenshot, axe_check)
    p5 = a.send()
    expect(post(a.page, p5).locator(".in-reply-to")).to_have_text(f"in reply to {LOU}")
    expect(post(a.page, p5).locator(".in-reply-to a")).to_have_attribute("href", f"/p/{p4}")
    findings.check(a.page, "the answered post shows who replied, right after replying", lambda: expect(
        post(a.page, p4).locator(".replies")).to_have_text(f"Reply from {RHONDA}", timeout=2_000))  # her full name
    if javascript:
        expect(a.page.locator("#reply-context")).to_be_hidden()
        expect(a.page.locator("#reply-parent")).to_have_value("")
        quoted = post(a.page, p5).locator(".post-body > blockquote.quote")
        expect(quoted.locator("cite.attribution")).to_have_text(f"{LOU} wrote:")
        expect(quoted).to_contain_text(SELECTED)
        expect(quoted).not_to_contain_text("Then let us")
        expect(quoted.locator("blockquote")).to_have_count(0)
    screenshot(a.page, "a-answered-lou")

    # 4. Lou mentions Rhonda (with the suggestion list when there is JavaScript).
    console.step = "4 mention"
    b.page.goto(thread_url)
    expect(post(b.page, p4).locator(".replies")).to_have_text(f"Reply from {RHONDA_SHORT}")
    expect(post(b.page, p5).locator(".in-reply-to")).to_have_text(f"in reply to {LOU}")
    mention(b, screenshot)
    p6 = b.send()
    link = post(b.page, p6).locator("a.mention")
    expect(link).to_have_count(1)
    expect(link).to_have_text("@rhonda")
    expect(link).to_have_attribute("href", "/u/rhonda")
    expect(post(b.page, p6).locator(f'a[href="{LINK}"]')).to_have_count(1)  # established: published
    screenshot(b.page, "b-mentioned")
    link.click()
    expect(b.page).to_have_url(f"{live_server}/u/rhonda")
    expect(b.page.get_by_role("heading", level=1)).to_have_text(RHONDA_SHORT)
    expect(b.page.get_by_text("@rhonda · joined")).to_be_visible()
    screenshot(b.page, "b-profile")

    # 5. Rhonda edits her answer after the grace period: "edited" leads to the history.
    console.step = "5 edit and history"
    a.page.goto(thread_url)
    edit(a, p5, "Thursday", "Friday")
    edited = post(a.page, p5).locator("a.edited")
    expect(edited).to_be_visible()
    expect(edited).to_have_attribute("href", f"/p/{p5}/history")
    screenshot(a.page, "a-edited")
    edited.click()
    expect(a.page).to_have_url(f"{live_server}/p/{p5}/history")
    expect(a.page.get_by_role("heading", level=1)).to_have_text("Edit history")
    latest = a.page.locator("li.version").first
    expect(latest.locator("pre.diff del")).to_have_text("Thursday")
    expect(latest.locator("pre.diff ins")).to_have_text("Friday")
    expect(a.page.locator("li.version")).to_have_count(2)
    expect(a.page.locator("li.version").last.locator("pre.diff")).to_contain_text(A_AFTER)
    axe_check(a.page, "the history page")
    screenshot(a.page, "a-history")

    # 6. Lou deletes his first reply, which Rhonda quoted (and Lou quoted her quoting).
    console.step = "6 delete a quoted post"
    b.page.goto(thread_url)
    delete(b, p2)
    screenshot(b.page, "b-deleted")
    a.page.goto(thread_url)  # what another reader sees
    expect(post(a.page, p2).locator("p.placeholder")).to_have_text(DELETED)
    expect(post(a.page, p2)).not_to_contain_text(B_FIRST)
    for later in (p3, p4):
        collapsed = post(a.page, later).locator(f'blockquote.quote[data-quote="{p2}"]')
        expect(collapsed).to_have_count(1)
        expect(collapsed.locator(":scope > p.placeholder")).to_have_text(DELETED)
        expect(post(a.page, later)).not_to_contain_text(B_FIRST)
    expect(post(a.page, p3).locator(".post-body")).to_contain_text(A_FIRST)
    expect(post(a.page, p4).locator(".post-body > blockquote.quote > p > cite.attribution")).to_have_text(
        f"{RHONDA_SHORT} wrote:")
    post(a.page, p3).scroll_into_view_if_needed()
    screenshot(a.page, "a-sees-collapsed-quotes")
    # Quoting a later reply does not bring the deleted text back either.
    post(a.page, p4).get_by_role("link", name="Quote", exact=True).click()
    expect(a.composer()).to_have_value(re.compile(rf"^> \[{LOU}\]\(/p/{p4}\) wrote:\n"))
    a.composer().evaluate("box => { box.rows = 16; }")  # the whole quote in the picture

    def deleted_text_left_out():
        value = a.composer().input_value()
        assert B_FIRST not in value, f"the deleted post's text is in the quote: {value!r}"

    findings.check(a.page, "quoting a reply that quoted a deleted post leaves the deleted text out",
                   deleted_text_left_out)
    screenshot(a.page, "a-quotes-after-delete")
    if javascript:
        a.composer().fill("")
    else:
        a.page.go_back()

    # 7 and 8. A new member is told about links, previews a reply with one, and posts it.
    console.step = "7-8 preview and a new member's link"
    c = Member(new_context(javascript), javascript, "nell", console)
    c.sign_in(live_server, "nell")
    c.page.goto(thread_url)
    expect(c.page.locator("#link-policy")).to_be_visible()
    expect(c.page.locator("#link-policy")).to_contain_text(f"“{HIDDEN}”")
    preview_region = preview(c, NEW_MEMBER_TEXT, screenshot)
    p7 = c.send(shown="see you there.")
    new_post = post(c.page, p7)
    expect(new_post.locator("span.link-hidden")).to_have_text(HIDDEN)
    expect(new_post.locator('a[href*="tickets.example"]')).to_have_count(0)
    expect(new_post).not_to_contain_text("tickets.example")
    screenshot(c.page, "c-posted-hidden-link")

    # The thread after the conversation, as Rhonda sees it; the reply page as a page of its own.
    console.step = "final scans"
    a.page.goto(thread_url)
    expect(posts(a.page)).to_have_count(7)
    axe_check(a.page, "the thread page after the conversation")
    screenshot(a.page, "a-thread-after-conversation")
    if javascript:  # without JavaScript the reply page was scanned on the way
        a.page.goto(f"{live_server}/p/{p4}/reply?quote=1")  # as a new tab would open it
        check_reply_page(a, p4, quote=True, after_delete=True)
        axe_check(a.page, "the reply page")
        screenshot(a.page, "a-reply-page")

    if javascript:
        # Once posted, the preview of the text is no longer what the composer holds.
        findings.check(c.page, "the preview is cleared once the reply is posted",
                       lambda: expect(preview_region).to_be_empty(timeout=1_000))

    report = (["App bugs:", *findings.problems] if findings.problems else []) + (
        ["Console errors:", *console.errors] if console.errors else [])
    assert not report, "\n".join(report)


def check_reply_page(member, post_id, quote, after_delete=False):
    page = member.page
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Reply to {LOU}")
    expect(page.locator("blockquote.answered")).to_contain_text(B_SECOND)
    expect(page.locator("#reply-context")).to_have_text(f"Replying to {LOU} · Cancel")  # cancellable here too
    expect(page.locator("#reply-parent")).to_have_value(post_id)
    box = member.composer()
    if quote and after_delete:  # the quote of Lou's deleted reply inside it is only the placeholder
        expect(box).to_have_value(re.compile(
            rf"^> \[{LOU}\]\(/p/{post_id}\) wrote:\n"
            rf"> > \[{re.escape(RHONDA_SHORT)}\]\(/p/\d+\) wrote:\n"
            rf"> > > \[{LOU}\]\(/p/\d+\) wrote:\n"
            rf"> > > {re.escape(DELETED)}\n"
            rf"(?:.*\n)*> {B_SECOND}\n\n$"))
    elif quote:  # the whole post, its quotes past two levels trimmed to a link
        expect(box).to_have_value(re.compile(
            rf"^> \[{LOU}\]\(/p/{post_id}\) wrote:\n"
            rf"> > \[{re.escape(RHONDA_SHORT)}\]\(/p/\d+\) wrote:\n"
            rf"> > > \[{LOU}\]\(/p/\d+\) wrote:\n"
            rf"(?:.*\n)*> > > \[… earlier quotes trimmed\]\(/p/\d+\)\n"
            rf"(?:.*\n)*> {B_SECOND}\n\n$"))
    else:
        expect(box).to_have_value("")


def answer_with_selection(a, p4, screenshot, axe_check):
    """Reply to Lou's post p4, quoting only the selected words (JS), or via the reply pages (no JS)."""
    page = a.page
    if not a.javascript:
        # Quote opens the reply page with the whole post filled in; Reply opens it empty.
        post(page, p4).get_by_role("link", name="Quote", exact=True).click()
        expect(page).to_have_url(re.compile(rf"/p/{p4}/reply\?quote=1$"))
        check_reply_page(a, p4, quote=True)
        screenshot(page, "a-quote-page-whole-post")
        page.go_back()
        post(page, p4).get_by_role("link", name="Reply", exact=True).click()
        expect(page).to_have_url(re.compile(rf"/p/{p4}/reply$"))
        check_reply_page(a, p4, quote=False)
        axe_check(page, "the reply page")
        a.composer().fill(A_BEFORE + A_AFTER)
        screenshot(page, "a-reply-page")
        return

    armed = a.arm()
    post(page, p4).get_by_role("link", name="Reply", exact=True).click()
    context = page.locator("#reply-context")
    expect(context).to_be_visible()
    expect(context).to_have_text(f"Replying to {LOU} · Cancel")
    expect(context.get_by_role("link", name=LOU)).to_be_visible()
    expect(page.locator("#reply-parent")).to_have_value(p4)
    expect(a.composer()).to_be_focused()

    # Some text is written, the caret put between its two parts, then words selected in p4.
    a.composer().fill(A_BEFORE + A_AFTER)
    a.composer().evaluate("(box, at) => box.setSelectionRange(at, at)", len(A_BEFORE))
    selected = page.evaluate(
        """([postId, words]) => new Promise((resolve) => {
            const body = document.querySelector(`#p${postId} .post-body`);
            const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
              if (node.parentElement.closest("blockquote")) continue;
              const at = node.data.indexOf(words);
              if (at < 0) continue;
              const range = document.createRange();
              range.setStart(node, at);
              range.setEnd(node, at + words.length);
              const selection = document.getSelection();
              selection.removeAllRanges();
              document.addEventListener("selectionchange", () => resolve(selection.toString()), {once: true});
              selection.addRange(range);
              return;
            }
            resolve(null);
        })""",
        [p4, SELECTED],
    )
    assert selected == SELECTED
    screenshot(page, "a-selected-words")
    post(page, p4).get_by_role("link", name="Quote", exact=True).click()
    inserted = quote_of(LOU, p4, SELECTED)
    expect(a.composer()).to_have_value(A_BEFORE + inserted + A_AFTER)
    assert a.composer().evaluate("box => [box.selectionStart, box.selectionEnd]") == [
        len(A_BEFORE + inserted)] * 2
    expect(a.composer()).to_be_focused()
    a.assert_same_document(armed)
    expect(context).to_have_text(f"Replying to {LOU} · Cancel")  # quoting keeps the answered post
    screenshot(page, "a-quoted-selection")


def mention(b, screenshot):
    """Write '@rhonda' into the composer: picked from the suggestions with the keyboard, or typed."""
    box = b.composer()
    if not b.javascript:
        box.fill(f"Thanks @rhonda — the plan is at {LINK}")
        return
    box.fill("Thanks ")
    box.press("End")
    box.press_sequentially("@rh")
    options = b.page.locator("#mention-suggestions [role=option]")
    expect(options).to_have_count(2)  # shortest first: rhett, then rhonda
    expect(options.first).to_have_attribute("data-username", "rhett")
    expect(options.nth(1)).to_have_attribute("data-username", "rhonda")
    box.press("ArrowDown")
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(options.first).to_have_attribute("aria-selected", "false")
    expect(box).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id"))
    screenshot(b.page, "b-mention-suggestions")
    box.press("Enter")
    expect(box).to_have_value("Thanks @rhonda ")
    expect(options).to_have_count(0)
    b.page.keyboard.insert_text(f"— the plan is at {LINK}")
    expect(box).to_have_value(f"Thanks @rhonda — the plan is at {LINK}")


def edit(member, post_id, old_word, new_word):
    """Change one word of a post through its Edit link and Save changes."""
    page = member.page
    armed = member.arm() if member.javascript else None
    post(page, post_id).get_by_role("link", name="Edit", exact=True).click()
    editor = page.locator(f"#edit-body-{post_id}")
    expect(editor).to_be_visible()
    if not member.javascript:
        expect(page).to_have_url(re.compile(rf"/p/{post_id}/edit$"))
    text = editor.input_value()
    assert old_word in text
    editor.fill(text.replace(old_word, new_word))
    page.get_by_role("button", name="Save changes").click()
    expect(post(page, post_id)).to_contain_text(new_word)
    expect(post(page, post_id)).not_to_contain_text(old_word)
    if member.javascript:
        member.assert_same_document(armed)
    else:
        expect(page.get_by_text("Your post is updated.")).to_be_visible()


def delete(member, post_id):
    """Delete a post with its Delete button (accepting the confirmation)."""
    page = member.page
    armed = member.arm() if member.javascript else None
    post(page, post_id).get_by_role("button", name="Delete", exact=True).click()
    expect(post(page, post_id).locator("p.placeholder")).to_have_text(DELETED)
    if member.javascript:
        assert member.dialogs == ["Delete this post? Its text will be replaced by a note that you deleted it."]
        member.assert_same_document(armed)
    else:
        expect(page.get_by_text("Your post is deleted.")).to_be_visible()


def preview(member, text, screenshot):
    """Preview a reply: in place with JavaScript, as a page with the text kept without."""
    page = member.page
    member.composer().fill(text)
    armed = member.arm() if member.javascript else None
    page.locator("#reply-form").get_by_role("button", name="Preview", exact=True).click()
    region = page.locator("#reply-preview")
    expect(region.get_by_role("heading", name="Preview")).to_be_visible()
    expect(region.locator("span.link-hidden")).to_have_text(HIDDEN)
    expect(region.locator('a[href*="tickets.example"]')).to_have_count(0)
    expect(region).to_contain_text("Tickets for the work day are at")
    if member.javascript:
        member.assert_same_document(armed)
    else:
        expect(page).to_have_url(re.compile(r"/t/\d+/preview$"))
    expect(member.composer()).to_have_value(text)
    expect(page.locator("#link-policy")).to_be_visible()
    screenshot(page, "c-preview")
    return region
