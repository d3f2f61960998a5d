"""Editing a post with images, and the demo's rich posts, in a real browser (issue 15): a member edits
their post, pastes an image into the edit box, describes it and saves; without JavaScript the edit
form's file field attaches one; the edit and new-thread forms suggest :emoji: as the reply box does;
a guest reads the demo's photo, table, coloured code and spoiler in light and dark, on a phone, with
and without JavaScript."""

import base64
import re
import shutil

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from forum.database import write_transaction
from forum.demo import seed_demo
from forum.extensions import db
from forum.models import Thread, User
from tests.browser.test_images import PHONE, photo
from tests.browser.visitor import post, sign_in
from tests.factories import PASSWORD, make_reply, make_thread, make_user

pytestmark = pytest.mark.browser
NOTES = "/work/notes/shots/h15"

PASTE_INTO = """([selector, data, name]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type: "image/png"}));
  const box = document.querySelector(selector);
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
  box.dispatchEvent(new ClipboardEvent("paste", {clipboardData: transfer, bubbles: true, cancelable: true}));
}"""


def keep(path):
    """A copy of a screenshot in the notes folder, where the people who build this look at them."""
    try:
        shutil.copy(path, f"{NOTES}/{path.parent.name}-{path.name}")
    except OSError:
        pass


@pytest.fixture
def own_post(live_app):
    """An established member (her images are shown) and a post of hers in a thread: (thread url, post id)."""
    with live_app.app_context():
        member = make_user(username="rhonda", display_name="Rhonda Bird")
        with write_transaction() as session:
            session.execute(update(User).where(User.id == member.id).values(trust_level_set=1))
        thread = make_thread(author=make_user(), title="The harbour wall", body="It needs work before winter.")
        reply = make_reply(thread, author=member, body="It looked worse this morning.")
        return f"/t/{thread.id}-{thread.slug}", reply.id


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_member_pastes_an_image_into_her_edit_and_picks_an_emoji(scheme, live_server, own_post, new_context,
                                                                     axe_check, screenshot):
    url, post_id = own_post
    page = new_context(color_scheme=scheme, **(PHONE if scheme == "dark" else {})).new_page()
    page.goto(live_server + "/login")  # on a phone, Sign out is in the closed menu: the notice says it
    page.get_by_label("Username or email", exact=True).fill("rhonda")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as Rhonda Bird.")).to_be_visible()
    page.goto(live_server + url)
    mine = post(page, post_id)
    mine.get_by_role("link", name="Edit").click()
    box = page.locator(f"#edit-body-{post_id}")
    expect(box).to_be_focused()
    page.evaluate(PASTE_INTO, [f"#edit-body-{post_id}", base64.b64encode(photo()).decode(), "north-end.png"])
    status = page.locator(f"#p{post_id} .attach-image [role=status]")
    expect(status).to_contain_text("Image added")
    expect(box).to_have_value(re.compile(r"morning\.\n+!\[north end\]\(/uploads/[0-9a-f]{64}\.webp\)\n$"))
    page.keyboard.type("The north end, cracked")  # the selected description is replaced
    page.keyboard.press("Control+End")
    page.keyboard.type("Low tide :wav")
    option = page.locator(f"#edit-suggestions-{post_id} [role=option]").first
    expect(option).to_contain_text(":wave:")
    keep(screenshot(page, f"edit-suggesting-{scheme}"))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(box).to_have_value(re.compile(r"Low tide :wave: $"))
    axe_check(page, f"the edit form with an image and suggestions, {scheme}")
    page.get_by_role("button", name="Save changes").click()
    saved = post(page, post_id)
    image = saved.get_by_role("img", name="The north end, cracked")
    expect(image).to_be_visible()
    assert image.get_attribute("loading") == "lazy" and image.get_attribute("width") == "1400"
    expect(saved).to_contain_text("Low tide 👋")
    keep(screenshot(page, f"edit-saved-{scheme}"))


def test_without_javascript_the_edit_form_attaches_an_image(live_server, own_post, new_context, axe_check,
                                                             screenshot):
    url, post_id = own_post
    page = new_context(javascript=False).new_page()
    sign_in(page, live_server, "rhonda")
    page.goto(f"{live_server}/p/{post_id}/edit")
    page.get_by_label("Image file").set_input_files(
        {"name": "crack.png", "mimeType": "image/png", "buffer": photo((800, 600))})
    page.get_by_label("Image description (alt text)").fill("A crack in grey stone")
    keep(screenshot(page, "edit-no-js-attaching"))
    axe_check(page, "the edit form's file field without JavaScript")
    page.get_by_role("button", name="Preview").click()  # the reference is put in the text, to move
    expect(page.get_by_label("Edit post")).to_have_value(re.compile(r"!\[A crack in grey stone\]\(/uploads/"))
    expect(page.locator(".preview").get_by_role("img", name="A crack in grey stone")).to_be_visible()
    page.get_by_role("button", name="Save changes").click()
    image = post(page, post_id).get_by_role("img", name="A crack in grey stone")
    expect(image).to_be_visible()
    assert (image.get_attribute("width"), image.get_attribute("height")) == ("800", "600")
    keep(screenshot(page, "edit-no-js-saved"))


def test_the_new_thread_form_suggests_emoji(live_server, own_post, new_context, screenshot):
    page = new_context().new_page()
    sign_in(page, live_server, "rhonda")
    page.goto(live_server + "/new")
    box = page.get_by_label("Post", exact=True)
    box.click()
    page.keyboard.type("Morning all :sun")
    options = page.locator("#new-thread-suggestions [role=option]")
    expect(options.first).to_be_visible()
    keep(screenshot(page, "new-thread-suggesting"))
    options.first.click()
    expect(box).to_have_value(re.compile(r"^Morning all :sun\w*: $"))


@pytest.fixture
def demo(live_app, tmp_path):
    live_app.config["UPLOAD_DIR"] = str(tmp_path)
    with live_app.app_context():
        seed_demo()
        threads = {t.title.split()[0]: f"/t/{t.id}-{t.slug}" for t in db.session.scalars(select(Thread))}
    return threads


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_guest_reads_the_demos_rich_posts(javascript, scheme, live_server, demo, new_context, axe_check,
                                            screenshot):
    phone = new_context(javascript=javascript, color_scheme=scheme, **PHONE).new_page()
    name = f"{scheme}-{'js' if javascript else 'no-js'}"
    phone.goto(live_server + demo["Best"])
    image = phone.get_by_role("img", name=re.compile("^Our patio from above"))
    image.scroll_into_view_if_needed()
    expect(image).to_have_js_property("complete", True)
    box = image.bounding_box()
    assert box["width"] <= 390 and box["x"] >= 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off the side
    keep(screenshot(phone, f"demo-photo-{name}"))
    axe_check(phone, f"the demo's photo, {name}")
    phone.goto(live_server + demo["Elm"])
    table = phone.get_by_role("table")
    expect(table).to_contain_text("Thursday")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    keep(screenshot(phone, f"demo-table-{name}"))
    phone.goto(live_server + demo["Films"])
    spoiler = phone.locator("details.spoiler")
    expect(spoiler.locator("p")).to_be_hidden()
    spoiler.locator("summary").click()
    expect(spoiler).to_contain_text("racing the neighbor's boy")
    keep(screenshot(phone, f"demo-spoiler-{name}"))
    phone.goto(live_server + demo["Dark"])
    code = phone.locator("pre.highlight")
    expect(code).to_contain_text("prefers-color-scheme")
    colour = code.locator("span.k").first.evaluate("(span) => getComputedStyle(span).color")
    assert colour != code.evaluate("(pre) => getComputedStyle(pre).color")  # coloured
    keep(screenshot(phone, f"demo-code-{name}"))
    axe_check(phone, f"the demo's coloured code, {name}")
