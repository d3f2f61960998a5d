"""An admin changes the site's settings at /admin/settings in a real browser, with JavaScript on and off:
a bad value comes back beside its field with everything typed kept, the corrected form saves, and the
new name and accent colour are on the next page (and on a guest's). Desktop and phone widths, axe clean."""

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.visitor import Console, Visitor
from tests.factories import make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_an_admin_changes_the_sites_name_colour_and_flag_threshold(
        javascript, live_app, live_server, new_context, axe_check, screenshot, tmp_path):
    live_app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    logo = tmp_path / "logo.png"
    Image.new("RGB", (600, 150), (122, 31, 92)).save(logo)
    with live_app.app_context():
        make_user(username="ada", display_name="Ada Admin", role="admin")
    console = Console()
    admin = Visitor(new_context(javascript=javascript), javascript, "ada", console)
    page = admin.page
    admin.sign_in(live_server, "ada")
    console.step = "the settings page"
    page.goto(live_server + "/admin")
    page.get_by_role("link", name="Site settings").click()
    expect(page.get_by_role("heading", name="Site settings")).to_be_visible()
    screenshot(page, "settings-desktop")
    axe_check(page, "the settings page")

    console.step = "a refused save"
    page.get_by_label("Site name").fill("Harbour Talk")
    page.get_by_label("Description", exact=True).fill("Boats, and the people who mend them.")
    page.get_by_label("Accent colour").fill("#ffff00")
    page.get_by_label("Flags that hide a post").fill("none")
    armed = admin.arm() if javascript else None
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#setting-flag-hide-threshold-error")).to_have_text("Enter a whole number from 1 to 100.")
    expect(page.locator("#settings-errors li")).to_have_text(["Accent colour", "Flags that hide a post"])
    if javascript:  # htmx focuses the summary it swapped in, as a page load would not
        expect(page.locator("#settings-errors")).to_be_focused()
    expect(page.locator("#setting-accent-colour-error")).to_contain_text("contrast of 1.1:1")
    expect(page.get_by_label("Site name")).to_have_value("Harbour Talk")  # nothing typed is lost
    expect(page.get_by_label("Flags that hide a post")).to_have_value("none")
    if javascript:
        admin.assert_same_document(armed)
    screenshot(page, "refused-desktop")
    axe_check(page, "the refused form")

    console.step = "the corrected save"
    page.get_by_label("Accent colour").fill("#7a1f5c")
    page.get_by_label("Flags that hide a post").fill("2")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#flash")).to_contain_text("Saved: Site name, Description, Accent colour, Flags that hide")
    expect(page.locator(".site-name")).to_have_text("Harbour Talk")
    page.goto(live_server + "/")
    expect(page).to_have_title("Latest threads · Harbour Talk")
    button = page.get_by_role("link", name="New thread")
    assert button.evaluate("element => getComputedStyle(element).backgroundColor") == "rgb(122, 31, 92)"

    console.step = "the logo"
    page.goto(live_server + "/admin/settings")
    page.get_by_label("Logo picture").set_input_files(str(logo))
    page.get_by_role("button", name="Upload the logo").click()
    expect(page.locator("#flash")).to_contain_text("Saved: Logo.")
    expect(page.locator(".site-name img.site-logo")).to_be_visible()
    expect(page.get_by_role("img", name="The logo now")).to_be_visible()
    screenshot(page, "logo-desktop")
    axe_check(page, "the page with a logo")

    console.step = "a guest's page"
    guest = new_context(javascript=javascript).new_page()
    guest.goto(live_server + "/")
    expect(guest.locator(".site-name")).to_have_text("Harbour Talk")
    expect(guest.locator(".site-name img.site-logo")).to_be_visible()
    expect(guest.locator(".lede").first).to_have_text("Boats, and the people who mend them.")

    console.step = "on a phone"
    page.set_viewport_size(PHONE)
    page.goto(live_server + "/admin/settings")
    screenshot(page, "settings-phone")
    axe_check(page, "the settings page on a phone")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
    # Chromium reports every 4xx answer on the console: the one refused save is expected.
    assert [error for error in console.errors if "status of 422" not in error] == []
