"""Images in posts, in a real browser (README "Uploads"): a member pastes or drops an image into the
composer, sees it upload (and may cancel), writes its alt text and a caption, and posts; a guest on a
phone sees it load lazily in the place its width and height kept for it; a member without JavaScript
attaches one through the form's file field."""

import base64
import io
import re
import shutil

import pytest
from playwright.sync_api import expect
from PIL import Image
from sqlalchemy import update

from forum.database import write_transaction
from forum.models import User
from tests.browser.visitor import posts, sign_in
from tests.factories import make_thread, make_user

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
NOTES = "/work/notes/shots/img15"


def photo(size=(1800, 1000)) -> bytes:
    """A wide picture with some detail (a plain colour would compress to nothing)."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image.paste((30, 110, 160), (0, size[1] // 2, size[0], size[1]))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def harbour(live_app, tmp_path):
    """A thread, and an established member (their images are shown) signed up to write in it."""
    live_app.config["UPLOAD_DIR"] = str(tmp_path)
    with live_app.app_context():
        member = make_user(username="rhonda", display_name="Rhonda Bird")
        with write_transaction() as session:
            session.execute(update(User).where(User.id == member.id).values(trust_level_set=1))
        thread = make_thread(author=make_user(), title="The harbour wall", body="It needs work before winter.")
        return f"/t/{thread.id}-{thread.slug}"


def keep(path):
    """A copy of a screenshot in the notes folder, where the people who build this look at them."""
    try:
        shutil.copy(path, f"{NOTES}/{path.parent.name}-{path.name}")
    except OSError:
        pass


PASTE = """([data, name, kind]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type: "image/png"}));
  const box = document.getElementById("reply-body");
  box.focus();
  const event = kind === "paste" ? new ClipboardEvent("paste", {clipboardData: transfer, bubbles: true, cancelable: true})
                                 : new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true});
  box.dispatchEvent(event);
}"""


@pytest.mark.parametrize("kind", ["paste", "drop"])
def test_a_member_pastes_or_drops_an_image_writes_its_alt_text_and_posts(kind, live_server, harbour, new_context,
                                                                          axe_check, screenshot):
    page = new_context().new_page()
    sign_in(page, live_server, "rhonda")
    page.goto(live_server + harbour)
    box = page.locator("#reply-body")
    box.fill("Here is how it looked this morning:")
    page.evaluate(PASTE, [base64.b64encode(photo()).decode(), "harbour-wall_2026.png", kind])
    status = page.locator(".attach-image [role=status]")
    expect(status).to_contain_text("Image added")
    expect(box).to_have_value(re.compile(r"morning:\n\n!\[harbour wall 2026\]\(/uploads/[0-9a-f]{64}\.webp\)\n$"))
    expect(box).to_be_focused()
    page.keyboard.type("The harbour wall, cracked at the north end")  # the selected description is replaced
    page.keyboard.press("Control+End")
    page.keyboard.type("Photo: me, at low tide.")
    expect(box).to_have_value(re.compile(r"!\[The harbour wall, cracked at the north end\]\(/uploads/"))
    screenshot(page, f"{kind}d-and-described")
    axe_check(page, "the composer with an image added")
    page.locator("#reply-form").get_by_role("button", name="Reply").click()
    mine = posts(page).filter(has_text="Photo: me, at low tide.")
    image = mine.get_by_role("img", name="The harbour wall, cracked at the north end")
    expect(image).to_be_visible()
    assert image.get_attribute("loading") == "lazy"
    assert (image.get_attribute("width"), image.get_attribute("height")) == ("1400", "778")
    expect(mine.locator("a.image-link")).to_have_attribute("href", re.compile(r"^/uploads/[0-9a-f]{64}\.webp$"))
    keep(screenshot(page, "posted"))
    axe_check(page, "a thread with an image")


def test_an_upload_can_be_cancelled_and_nothing_is_added(live_server, harbour, new_context, screenshot):
    page = new_context().new_page()
    sign_in(page, live_server, "rhonda")
    page.goto(live_server + harbour)
    held = []
    page.route("**/uploads", lambda route: held.append(route))  # the upload never finishes by itself
    box = page.locator("#reply-body")
    box.fill("Words first.")
    page.evaluate(PASTE, [base64.b64encode(photo()).decode(), "big.png", "paste"])
    cancel = page.get_by_role("button", name="Cancel upload")
    expect(cancel).to_be_visible()
    expect(page.get_by_role("progressbar", name="Upload progress")).to_be_visible()
    keep(screenshot(page, "uploading"))
    cancel.click()
    expect(page.locator(".attach-image [role=status]")).to_have_text("Upload cancelled.")
    expect(cancel).to_be_hidden()
    expect(box).to_have_value("Words first.")
    expect(box).to_be_focused()


def test_a_guest_on_a_phone_sees_the_image_lazily_in_its_kept_place(live_app, live_server, harbour, new_context,
                                                                    axe_check, screenshot):
    member = new_context().new_page()
    sign_in(member, live_server, "rhonda")
    member.goto(live_server + harbour)
    member.locator("#reply-body").fill("Before the storm.")
    member.evaluate(PASTE, [base64.b64encode(photo()).decode(), "before the storm.png", "paste"])
    expect(member.locator(".attach-image [role=status]")).to_contain_text("Image added")
    member.locator("#reply-form").get_by_role("button", name="Reply").click()
    expect(posts(member).filter(has_text="Before the storm.").get_by_role("img")).to_be_visible()
    for scheme in ("light", "dark"):
        guest = new_context(color_scheme=scheme, **PHONE).new_page()
        loaded = []
        guest.on("request", lambda request, loaded=loaded: "/uploads/" in request.url and loaded.append(request.url))
        guest.goto(live_server + harbour)
        image = guest.get_by_role("img", name="before the storm")
        assert image.get_attribute("loading") == "lazy"
        box = image.bounding_box()
        assert box["width"] <= 390 and abs(box["height"] / box["width"] - 778 / 1400) < 0.02  # its place, kept
        image.scroll_into_view_if_needed()
        expect(image).to_have_js_property("complete", True)
        assert guest.evaluate("(img) => img.naturalWidth", image.element_handle()) == 1400
        assert image.bounding_box()["height"] == pytest.approx(box["height"], abs=1)  # no shift as it loaded
        assert loaded and all("-display.webp" in url for url in loaded)
        keep(screenshot(guest, f"guest-phone-{scheme}"))
        axe_check(guest, f"a guest's phone, {scheme}")


def test_a_member_without_javascript_attaches_an_image_with_the_file_field(live_server, harbour, new_context,
                                                                           axe_check, screenshot):
    page = new_context(javascript=False).new_page()
    sign_in(page, live_server, "rhonda")
    page.goto(live_server + harbour)
    page.get_by_label("Your reply").fill("The crack, up close.")
    page.get_by_label("Image file").set_input_files(
        {"name": "crack.png", "mimeType": "image/png", "buffer": photo((800, 600))})
    page.get_by_label("Image description (alt text)").fill("A crack in grey stone, a hand beside it")
    keep(screenshot(page, "no-js-attaching"))
    axe_check(page, "the composer's file field without JavaScript")
    page.locator("#reply-form").get_by_role("button", name="Reply").click()
    mine = posts(page).filter(has_text="The crack, up close.")
    image = mine.get_by_role("img", name="A crack in grey stone, a hand beside it")
    expect(image).to_be_visible()
    assert (image.get_attribute("width"), image.get_attribute("height")) == ("800", "600")
    keep(screenshot(page, "no-js-posted"))


def test_without_javascript_a_refused_file_says_why_and_keeps_the_text(live_server, harbour, new_context,
                                                                       screenshot):
    page = new_context(javascript=False).new_page()
    sign_in(page, live_server, "rhonda")
    page.goto(live_server + harbour)
    page.get_by_label("Your reply").fill("Words I will not lose.")
    page.get_by_label("Image file").set_input_files(
        {"name": "drawing.svg", "mimeType": "image/svg+xml", "buffer": b"<svg xmlns='http://www.w3.org/2000/svg'/>"})
    page.locator("#reply-form").get_by_role("button", name="Reply").click()
    expect(page.locator("#image-error")).to_contain_text("not a picture we can read")
    expect(page.get_by_label("Your reply")).to_have_value("Words I will not lose.")
    keep(screenshot(page, "no-js-refused"))


