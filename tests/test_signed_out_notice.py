"""A member a suspension or ban signed out is told why, in the browser that was signed in and only
there: on every page while the sanction is in force, on the sign-in page, and in answer to a write
from a tab opened before (a fragment swaps nothing else, so the composer keeps its text)."""

from datetime import timedelta

import pytest

from forum.database import write_transaction
from forum.extensions import db
from forum.models import LoginSession, Post, Sanction
from forum.models.base import utcnow
from forum.moderation.service import sanctions
from forum.moderation.service.sanctions import SanctionRequest
from tests.conftest import CSRF_IN_PAGE, HTMX
from tests.factories import PASSWORD, make_thread, make_user

NOTICE = "You were signed out"


@pytest.fixture
def admin():
    return make_user(username="chief", role="admin")


@pytest.fixture
def member():
    return make_user(username="trouble", display_name="Trouble Maker")


@pytest.fixture
def thread():
    return make_thread(title="A calm conversation")


def issue(actor, member, kind="ban", days=None, reason="Spam links in every post."):
    return sanctions.issue(actor, member, SanctionRequest(kind=kind, reason=reason, days=days))


def thread_page(client, thread):
    return client.get(f"/t/{thread.id}-{thread.slug}")


def token_of(client) -> str:
    """The CSRF token of the browser's own session, read from a page as a stale tab would hold it."""
    return CSRF_IN_PAGE.search(client.get("/login").text).group(1)


def test_the_signed_out_browser_is_told_why_and_until_when(app, admin, member, thread):
    laptop, phone = app.test_client(), app.test_client()
    laptop.sign_in(member)
    phone.sign_in(member, remember=True)
    remember_only = app.test_client()
    remember_only.set_cookie("remember_token", phone.get_cookie("remember_token").value)
    sanction = issue(admin, member, kind="suspension", days=3)

    for browser in (laptop, phone, remember_only):
        page = thread_page(browser, thread)
        assert page.status_code == 200 and "Sign out" not in page.text  # not signed back in
        assert NOTICE in page.text and "your account is suspended until" in page.text
        assert f"{sanction.ends_at:%-d %B %Y}" in page.text and "Spam links in every post." in page.text
        assert "/login?next=/standing\"" in page.text  # the standing page, after signing in
        assert f"sanction-{sanction.id}" in page.text  # and the appeal on it
        assert thread_page(browser, thread).text.count(NOTICE) == 1  # on every page, once each


def test_a_ban_says_it_has_no_end(app, admin, member, thread):
    member_browser = app.test_client()
    member_browser.sign_in(member)
    issue(admin, member)
    page = thread_page(member_browser, thread).text
    assert "your account is banned, with no end date" in page and "Appeal the ban" in page


def test_nobody_else_learns_anything(app, admin, member, thread):
    other = make_user(username="bystander")
    member_browser, guest, other_member, forged = (app.test_client() for _ in range(4))
    member_browser.sign_in(member, remember=True)
    other_member.sign_in(other)
    assert thread_page(guest, thread).status_code == 200  # a guest's page, cached before the ban
    issue(admin, member)
    assert NOTICE in thread_page(member_browser, thread).text

    forged.set_cookie("remember_token", "1|" + "0" * 128)  # a cookie whose signature does not hold
    forged.set_cookie("session", member_browser.get_cookie("session").value[:-4] + "AAAA")
    for browser in (guest, other_member, forged):
        for url in ("/", f"/t/{thread.id}-{thread.slug}", "/login"):
            page = browser.get(url).text
            assert NOTICE not in page and "Spam links" not in page and "trouble" not in page.lower(), url


def test_the_notice_is_never_kept_as_a_guests_page(app, admin, member, thread):
    member_browser, guest = app.test_client(), app.test_client()
    member_browser.sign_in(member)
    issue(admin, member)
    for _ in range(2):  # neither the first answer nor the next comes from, or goes to, the guests' cache
        page = thread_page(member_browser, thread)
        assert NOTICE in page.text and page.headers.get("X-Page-Cache") != "hit"
    assert NOTICE not in thread_page(guest, thread).text and NOTICE not in thread_page(guest, thread).text


def test_sessions_ended_otherwise_are_told_nothing(app, admin, member, thread):
    signed_out, other_password = app.test_client(), app.test_client()
    signed_out.sign_in(member)
    other_password.sign_in(member)
    changer = app.test_client()
    changer.sign_in(member)
    signed_out.submit("/logout")
    changer.submit("/settings", {"current_password": PASSWORD, "new_password": "a new long passphrase",
                                 "confirm": "a new long passphrase"})
    issue(admin, member, kind="silence", days=2)  # a silence signs nobody out
    for browser in (signed_out, other_password):
        assert NOTICE not in thread_page(browser, thread).text


def test_the_sign_in_page_shows_the_notice_and_signing_in_clears_it(app, admin, member, thread):
    laptop, phone = app.test_client(), app.test_client()
    laptop.sign_in(member)
    phone.sign_in(member)
    issue(admin, member, kind="suspension", days=2)
    assert NOTICE in laptop.get("/login").text
    laptop.sign_in(member)  # a suspended member may sign in to read and appeal
    page = thread_page(laptop, thread).text
    assert NOTICE not in page and "Suspended" in page  # the signed-in member's own notice instead
    laptop.submit("/logout")
    assert NOTICE not in thread_page(laptop, thread).text  # that browser was told, and has signed out since
    assert NOTICE in thread_page(phone, thread).text  # the other browser still is, though the member signed in


def test_forgetting_the_notice_on_a_browser(app, admin, member, thread):
    shared = app.test_client()
    shared.sign_in(member)
    issue(admin, member)
    assert NOTICE in thread_page(shared, thread).text
    assert shared.post("/logout", data={"csrf_token": token_of(shared)}).status_code == 302
    assert NOTICE not in thread_page(shared, thread).text
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginSession)) == 0


def test_the_notice_ends_with_the_sanction(app, admin, member, thread):
    lifted, expired = app.test_client(), app.test_client()
    lifted.sign_in(member)
    first = issue(admin, member)
    expired_member = make_user(username="later")
    expired.sign_in(expired_member)
    second = issue(admin, expired_member, kind="suspension", days=1)
    sanctions.lift(admin, first, "Appeal upheld.")
    with write_transaction() as session:
        session.get(Sanction, second.id).ends_at = utcnow() - timedelta(minutes=1)
    assert NOTICE not in thread_page(lifted, thread).text and NOTICE not in thread_page(expired, thread).text


def test_a_write_from_a_stale_tab_answers_with_the_notice_in_place(app, admin, member, thread):
    tab = app.test_client()
    tab.sign_in(member)
    csrf = token_of(tab)
    issue(admin, member, kind="suspension", days=2)
    answer = tab.post(f"/t/{thread.id}/reply", data={"csrf_token": csrf, "body": "my careful reply"}, headers=HTMX)
    assert answer.status_code == 401 and "HX-Redirect" not in answer.headers
    assert answer.headers["HX-Reswap"] == "none"  # the composer, and its text, stay as they are
    assert 'id="flash"' in answer.text and 'data-hx-swap-oob="true"' in answer.text
    assert NOTICE in answer.text and "Spam links in every post." in answer.text
    assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 1  # the opening post only


def test_a_form_sent_without_javascript_shows_the_notice_and_the_text(app, admin, member, thread):
    tab = app.test_client()
    tab.sign_in(member)
    csrf = token_of(tab)
    issue(admin, member)
    answer = tab.post(f"/t/{thread.id}/reply", data={"csrf_token": csrf, "body": "my careful reply"})
    assert answer.status_code == 401 and NOTICE in answer.text
    assert "my careful reply</textarea>" in answer.text


def test_the_stale_tab_gets_the_notice_above_the_form_and_a_guests_header(app, admin, member, thread):
    tab = app.test_client()
    tab.sign_in(member)
    csrf = token_of(tab)
    issue(admin, member, kind="suspension", days=2)
    headers = {**HTMX, "HX-Source": "form#reply-form", "HX-Current-URL": f"http://localhost/t/{thread.id}"}
    answer = tab.post(f"/t/{thread.id}/reply", data={"csrf_token": csrf, "body": "my careful reply"},
                      headers=headers).text
    # in the page's flow above the composer, not in the sticky #flash region (which says only "Not sent")
    assert '<hx-partial hx-target="closest form" hx-swap="beforebegin">' in answer and "autofocus" in answer
    flash = answer[answer.index('<div id="flash"'):]
    assert "Not sent" in flash and NOTICE not in flash
    assert '<hx-partial hx-target="#signed-out-in-place" hx-swap="delete">' in answer  # never two
    nav = answer[answer.index('<hx-partial hx-target="#account-nav"'):answer.index('<div id="flash"')]
    assert "Sign in" in nav and "Sign out" not in nav and "New thread" not in nav and "Trouble" not in nav
    assert f"/login?next=/t/{thread.id}" in nav
    unnamed = tab.post(f"/t/{thread.id}/reply", data={"csrf_token": csrf, "body": "x"}, headers=HTMX).text
    assert '<hx-partial hx-target="#main" hx-swap="afterbegin">' in unnamed
    saved = tab.post(f"/t/{thread.id}/draft", data={"csrf_token": csrf, "body": "x"},  # autosaved while typing
                     headers={**HTMX, "HX-Source": "textarea#reply-body"}).text
    assert '<hx-partial hx-target="closest form" hx-swap="beforebegin">' in saved and "autofocus" not in saved


def test_forgetting_the_notice_in_place_and_without_javascript(app, admin, member, thread):
    with_js, without_js = app.test_client(), app.test_client()
    with_js.sign_in(member)
    without_js.sign_in(member)
    issue(admin, member)
    page = thread_page(with_js, thread).text
    assert 'action="/signed-out/forget"' in page and 'data-hx-post="/signed-out/forget"' in page
    assert f'name="next" value="/t/{thread.id}-{thread.slug}"' in page
    removed = with_js.post("/signed-out/forget", data={"csrf_token": CSRF_IN_PAGE.search(page).group(1)},
                           headers={**HTMX, "HX-Current-URL": f"http://localhost/t/{thread.id}-{thread.slug}"})
    assert removed.status_code == 200 and "HX-Redirect" not in removed.headers
    assert '<hx-partial hx-target=".signed-out" hx-swap="delete">' in removed.text
    assert "Notice removed" in removed.text and "You are signed out" not in removed.text
    assert NOTICE not in thread_page(with_js, thread).text

    page = thread_page(without_js, thread).text
    back = without_js.post("/signed-out/forget", data={"csrf_token": CSRF_IN_PAGE.search(page).group(1),
                                                       "next": f"/t/{thread.id}-{thread.slug}"})
    assert back.status_code == 302 and back.headers["Location"] == f"/t/{thread.id}-{thread.slug}"
    landed = thread_page(without_js, thread).text
    assert "Notice removed" in landed and NOTICE not in landed and "You are signed out" not in landed
