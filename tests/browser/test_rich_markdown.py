"""A table, coloured code, a spoiler, a task list and footnotes, read in a real browser: light and dark,
with JavaScript on and off, on a phone and a desktop (issue 15). And the reply box's emoji suggestions,
picked with the keyboard, as @mentions are."""

import pytest
from playwright.sync_api import expect

from tests.browser.visitor import sign_in
from tests.factories import make_reply, make_thread, make_user

pytestmark = pytest.mark.browser

BODY = """Here is what we measured :tada: — see the note[^1].

| Bike | Weight | Price |
|:--|--:|:-:|
| Commuter | 12.4 kg | €850 |
| Road bike with a name long enough to need room | 8.1 kg | €2,400 |

- [x] oil the chain
- [ ] check the brakes

```python
def ride(distance_km: float) -> str:
    \"\"\"How a ride went.\"\"\"
    return f"{distance_km:.1f} km"  # good enough
```

:::spoiler How the race ended
She won **by a wheel**.
:::

[^1]: Weighed without pedals.
"""
SCREENS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_a_table_coloured_code_and_a_spoiler_read_well(live_app, live_server, new_context, axe_check, screenshot,
                                                       javascript, scheme, screen):
    with live_app.app_context():
        thread = make_thread(title="Bikes compared", body="Opening post.")
        reply = make_reply(thread, body=BODY)
        make_reply(thread, body="Another note[^1].\n\n[^1]: The second post's own footnote.")
        path, post_id = f"/t/{thread.id}-{thread.slug}", reply.id
    page = new_context(javascript=javascript, viewport=SCREENS[screen], color_scheme=scheme).new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(live_server + path)
    body = page.locator(f"article#p{post_id} .post-body")

    table = body.get_by_role("table")
    expect(table.get_by_role("columnheader", name="Weight")).to_be_visible()
    expect(table.get_by_role("cell", name="12.4 kg")).to_have_css("text-align", "right")
    expect(body.get_by_role("checkbox", name="oil the chain")).to_be_checked()
    expect(body.get_by_role("checkbox", name="check the brakes")).to_be_disabled()
    assert "🎉" in body.inner_text()

    # The code is coloured by the stylesheet, in the scheme's own colours.
    keyword = body.locator("pre.highlight .k").first
    expect(keyword).to_have_text("def")
    keyword_colour = keyword.evaluate("e => getComputedStyle(e).color")
    text_colour = body.evaluate("e => getComputedStyle(e).color")
    assert keyword_colour != text_colour
    assert keyword_colour == ("rgb(0, 128, 0)" if scheme == "light" else "rgb(255, 123, 114)")

    # The spoiler hides its text until it is opened, with or without JavaScript.
    spoiler = body.locator("details.spoiler")
    hidden = spoiler.get_by_text("She won")
    expect(hidden).to_be_hidden()
    screenshot(page, f"{screen}-{scheme}-{'js' if javascript else 'no-js'}-closed")
    spoiler.get_by_text("How the race ended").click()
    expect(hidden).to_be_visible()

    # A footnote reference leads to its own post's note, and back.
    body.locator("sup.footnote-ref a").click()
    note = body.locator(".footnotes li")
    expect(note).to_contain_text("Weighed without pedals.")
    assert page.evaluate("location.hash") == "#" + note.get_attribute("id")
    expect(note).to_be_in_viewport()

    # However wide the table and the code, the page itself never scrolls sideways (they scroll inside).
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    body.scroll_into_view_if_needed()
    screenshot(page, f"{screen}-{scheme}-{'js' if javascript else 'no-js'}-open")
    axe_check(page, f"a rich post, {screen}, {scheme}, {'with' if javascript else 'without'} JavaScript")
    assert errors == []


def test_the_reply_box_suggests_emoji_after_a_colon(live_app, live_server, new_context, screenshot):
    with live_app.app_context():
        username = make_user(username="rider").username
        thread = make_thread(title="Emoji", body="Say something.")
        path = f"/t/{thread.id}-{thread.slug}"
    page = new_context(javascript=True).new_page()
    sign_in(page, live_server, username)
    page.goto(live_server + path)
    box = page.locator("#reply-body")
    box.fill("Great ride ")
    box.press("End")
    box.press_sequentially(":tad")
    options = page.locator("#mention-suggestions [role=option]")
    expect(options.first).to_have_attribute("data-insert", ":tada:")
    expect(page.get_by_role("listbox", name="Emoji")).to_be_visible()
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", options.first.get_attribute("id"))
    screenshot(page, "emoji-suggestions")
    box.press("Enter")
    expect(box).to_have_value("Great ride :tada: ")
    expect(options).to_have_count(0)
    box.press_sequentially("at 10:30")  # a time is not an emoji name
    expect(options).to_have_count(0)
    page.get_by_role("button", name="Reply").click()
    expect(page.locator("#posts > article").last.locator(".post-body")).to_contain_text("Great ride 🎉 at 10:30")
