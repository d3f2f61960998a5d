"""A reader of the publisher's site signs in to the forum with the publisher's identity provider (a small
OpenID Connect provider started on 127.0.0.1, tests/oidc_provider.py) from a thread's "Sign in to reply",
comes back to the thread signed in, and posts a comment: JavaScript on and off."""

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import make_thread, make_user
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, running

pytestmark = pytest.mark.browser
SHOTS = Path("/work/notes/shots/oidc")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_sign_in_with_the_identity_provider_then_comment(javascript, live_app, live_server, new_context,
                                                         axe_check, screenshot):
    with live_app.app_context():
        thread = make_thread(author=make_user(display_name="Lou Reed"), title="The budget vote, explained")
        path = f"/t/{thread.id}-{thread.slug}"
    provider = Provider(redirect_uri=live_server + "/login/oidc/callback")
    provider.interactive = True
    with running(provider):
        live_app.config.update(OIDC_ENABLED=True, OIDC_ISSUER=provider.issuer, OIDC_CLIENT_ID=CLIENT_ID,
                               OIDC_CLIENT_SECRET=CLIENT_SECRET, OIDC_NAME="Daily Courier")
        page = new_context(javascript).new_page()
        page.goto(live_server + path)
        page.get_by_role("link", name="Sign in to reply").click()
        button = page.get_by_role("link", name="Sign in with Daily Courier")
        expect(button).to_be_visible()
        axe_check(page, "the sign-in page with an identity provider")
        shots = [screenshot(page, "sign-in-page")]
        button.click()

        expect(page.get_by_role("heading", name="Daily Courier accounts")).to_be_visible()  # at the provider
        assert page.url.startswith(provider.issuer + "/authorize?")
        shots.append(screenshot(page, "at-the-provider"))
        page.get_by_role("button", name="Continue to the forum").click()

        expect(page).to_have_url(re.compile(re.escape(live_server + path)))  # back where the reader was
        expect(page.locator("#flash")).to_contain_text("Signed in as Ada Lovelace.")
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        shots.append(screenshot(page, "back-signed-in"))

        text = "Signed in with my Daily Courier account, and commenting."
        page.locator("#reply-body").fill(text)
        page.locator("#reply-form").get_by_role("button", name="Reply").click()
        expect(page.locator("article.post").filter(has_text=text)).to_contain_text("Ada Lovelace")
        axe_check(page, "the thread after the comment")
        shots.append(screenshot(page, "commented"))

        page.goto(live_server + "/login/oidc/callback?code=forged&state=forged")  # a forged answer
        expect(page.get_by_role("heading", name="Not signed in")).to_be_visible()
        axe_check(page, "the refused sign-in page")
        shots.append(screenshot(page, "refused"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    for shot in shots:
        shutil.copy(shot, SHOTS / f"{'js' if javascript else 'no-js'}-{shot.name}")
