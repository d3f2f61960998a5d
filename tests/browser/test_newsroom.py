"""Newsroom moderation in a real browser, with JavaScript on and off: a moderator features a comment and
sees it first in the article's comments frame, labelled; closes an article (a member is told, and has no
composer); pre-moderates another, and approves a member's held comment from the queue filtered by it."""

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.embed import service as embed
from forum.extensions import db
from forum.models import User
from tests.browser.visitor import Console, Visitor, post
from tests.factories import make_reply, make_user

pytestmark = pytest.mark.browser

PUBLISHER = "https://news.example"
NOTES = Path("/work/notes/shots/news")
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}


@pytest.fixture
def newsroom(live_app, live_server):
    live_app.config["EMBED_ORIGINS"], live_app.config["EMBED_CATEGORY"] = [PUBLISHER], "general"
    with live_app.app_context():
        make_user(role="admin", username="editor", display_name="The Editor")
        make_user(role="moderator", username="morgan", display_name="Mo Derator")
        lou = make_user(username="lou", display_name="Lou Reader")
        budget = embed.start_article_thread(f"{PUBLISHER}/2026/budget-vote", "The budget vote, explained")
        harbour = embed.start_article_thread(f"{PUBLISHER}/2026/harbour", "The harbour fund")
        other = embed.start_article_thread(f"{PUBLISHER}/2026/ferry", "Ferry timetables")
        lou = db.session.scalar(select(User).where(User.username == "lou"))
        comments = [make_reply(budget.thread, lou, text).id for text in (
            "First: the vote is on Tuesday.", "The harbour fund is counted twice in the totals.",
            "Last: thanks for explaining.")]
        make_user(username="nina", display_name="Nina Newbie")
        return {"base": live_server, "comments": comments,
                "budget": (f"/t/{budget.thread.id}-{budget.thread.slug}", f"/embed/t/{budget.thread.id}-{budget.thread.slug}"),
                "harbour": (f"/t/{harbour.thread.id}-{harbour.thread.slug}", harbour.id),
                "other_thread": other.thread_id}


def keep(path):
    try:
        NOTES.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, NOTES / f"{path.parent.name}-{path.name}")
    except OSError:
        pass


def shots(page, screenshot, step):
    """The page on a phone and a desktop, light and dark, kept in the notes too."""
    size = page.viewport_size
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            keep(screenshot(page, f"{step}-{name}-{scheme}"))
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(size)


def open_tools(page):
    tools = page.locator("details.thread-tools")
    if tools.get_attribute("open") is None:
        tools.locator("summary").click()
    return page.locator("form.article-settings")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_moderator_features_closes_and_pre_moderates(javascript, newsroom, new_context, axe_check, screenshot):
    base = newsroom["base"]
    budget_thread, budget_frame = newsroom["budget"]
    harbour_thread, harbour_id = newsroom["harbour"]
    picked = newsroom["comments"][1]
    console = Console()

    def visitor(name):
        person = Visitor(new_context(javascript, viewport=DESKTOP), javascript, name=name, console=console)
        person.sign_in(base, name)
        return person

    # 1. Mo features Lou's comment from the thread page.
    console.step = "1 feature"
    mo = visitor("morgan")
    mo.page.goto(base + budget_thread)
    pick = post(mo.page, picked).locator(f"#pick-button-{picked}")
    expect(pick).to_have_attribute("aria-pressed", "false")
    expect(post(mo.page, picked).locator(".staff-badge")).to_have_count(0)
    armed = mo.arm() if javascript else None
    pick.click()
    expect(post(mo.page, picked).locator(f"#pick-button-{picked}")).to_have_attribute("aria-pressed", "true")
    if javascript:
        mo.assert_same_document(armed)
        expect(mo.page.locator(f"#pick-button-{picked}")).to_be_focused()
    else:
        expect(post(mo.page, picked).locator(".pick-label")).to_have_text(re.compile("Editors’ pick"))

    # 2. In the article's comments, it comes first, labelled; the opening post's author wears the badge
    # wherever staff reply.
    console.step = "2 embed"
    mo.page.goto(base + budget_frame)
    picks = mo.page.locator("section.editors-picks")
    expect(picks.locator("article.post")).to_have_count(1)
    expect(picks.locator("article.post").first).to_contain_text("counted twice")
    expect(picks.locator(".pick-label")).to_have_text(re.compile("Editors’ pick"))
    first_post = mo.page.locator("article.post").first
    expect(first_post).to_contain_text("counted twice")
    expect(mo.page.locator(f"article#p{picked}")).to_have_count(1)
    axe_check(mo.page, "the comments frame with an editors' pick")
    if javascript:
        shots(mo.page, screenshot, "embed-with-pick")

    # 3. Mo closes the article's comments; Lou is told, and has no composer, on the thread and in the frame.
    console.step = "3 close"
    mo.page.goto(base + budget_thread)
    settings = open_tools(mo.page)
    settings.get_by_label("Closed now").check()
    settings.get_by_role("button", name="Save article settings").click()
    expect(mo.page.locator("#thread-status .thread-closed")).to_contain_text("Comments are closed")
    expect(mo.page.locator("#flash")).to_contain_text("The article's comment settings are saved.")
    axe_check(mo.page, "the thread with its article's settings")
    if javascript:
        shots(mo.page, screenshot, "thread-closed-settings")
    lou = visitor("lou")
    lou.page.goto(base + budget_thread)
    expect(lou.page.locator(".composer")).to_contain_text("Comments on this article are closed: no new comments.")
    expect(lou.page.locator("#reply-body")).to_have_count(0)
    lou.page.goto(base + budget_frame)
    expect(lou.page.locator(".composer")).to_contain_text("Comments on this article are closed")
    expect(lou.page.locator("#reply-body")).to_have_count(0)
    if javascript:
        shots(lou.page, screenshot, "embed-closed-member")

    # 4. Mo pre-moderates another article; Lou's comment there waits for a moderator.
    console.step = "4 pre-moderate"
    mo.page.goto(base + harbour_thread)
    settings = open_tools(mo.page)
    settings.get_by_label("Pre-moderated: every comment waits for a moderator").check()
    settings.get_by_role("button", name="Save article settings").click()
    # the notice, not the form's own label (the tools are inside #thread-status): the change is saved
    expect(mo.page.locator("#thread-status .article-premoderated")).to_contain_text("Pre-moderated")
    lou.page.goto(base + harbour_thread)
    expect(lou.page.locator("#thread-status .article-premoderated")).to_contain_text("Pre-moderated")
    lou.page.locator("#reply-body").fill("Where does the harbour fund's money go?")
    lou.page.get_by_role("button", name="Reply", exact=True).click()
    expect(lou.page.locator("article.post-held")).to_contain_text("Waiting for a moderator")

    # 5. Mo filters the queue by that article and approves it.
    console.step = "5 approve"
    mo.page.goto(base + "/mod")
    mo.page.get_by_label("Articles").select_option(label="The harbour fund (1)")
    mo.page.get_by_role("button", name="Show", exact=True).click()
    expect(mo.page).to_have_url(re.compile(rf"/mod\?article={harbour_id}$"))
    item = mo.page.locator("article.held-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Under the article The harbour fund")
    expect(item).to_contain_text("held because its article is pre-moderated")
    axe_check(mo.page, "the review queue filtered by an article")
    if javascript:
        shots(mo.page, screenshot, "queue-filtered")
    item.get_by_role("button", name="Approve and publish").click()
    expect(mo.page.locator("#flash")).to_contain_text("The post is approved and published.")
    if javascript:
        expect(mo.page.locator("article.held-decided")).to_contain_text("Approved and published")
    else:
        expect(mo.page).to_have_url(re.compile(rf"/mod\?article={harbour_id}$"))
        expect(mo.page.locator(".held-queue")).to_contain_text("Nothing is waiting under this article.")
    lou.page.goto(base + harbour_thread)
    expect(lou.page.locator("#posts > article.post")).to_have_count(2)
    expect(lou.page.locator("#posts")).to_contain_text("Where does the harbour fund's money go?")

    unexpected = [line for line in console.errors if not re.search(r"status of 40[13]\b", line)
                  and "/favicon.ico" not in line]  # the frame opened as a page of its own
    assert unexpected == []
