"""What the browser tests share: one person's page, which remembers its navigation requests (and
the dialogs it accepted), signs in through the form and proves that an htmx action kept the
document; the console log of a journey; and the locators of the posts in a thread."""

from playwright.sync_api import expect

from tests.factories import PASSWORD


def posts(page):
    return page.locator("#posts > article")


def post(page, post_id):
    return page.locator(f"article#p{post_id}")


def sign_in(page, base_url=None, username=""):
    """Sign in through the form (on the sign-in page already, unless base_url is given)."""
    if base_url:
        page.goto(base_url + "/login")
    page.get_by_label("Username or email", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


class Console:
    """Console errors and uncaught exceptions of every page, each with the step it happened in."""

    def __init__(self):
        self.step = "signing in"
        self.errors = []

    def error(self, text):
        self.errors.append(f"[{self.step}] {text}")


class Visitor:
    """One person's browser page: remembers its navigation requests and the dialogs it accepted.

    With `console`, the page's console errors and uncaught exceptions go to it under `name`.
    With `accept_dialogs=False` no dialog is listened for, so Playwright dismisses any (and an
    unexpected confirmation cancels its action, as it would for a person who said no)."""

    def __init__(self, context, javascript, name=None, console=None, accept_dialogs=True):
        self.page = context.new_page()
        self.javascript = javascript
        self.name = name
        self.navigations = []
        self.dialogs = []
        self.page.on("request", self._requested)
        if accept_dialogs:
            self.page.on("dialog", self._accept)
        if console is not None:
            self.page.on("console", lambda message: message.type == "error" and console.error(
                f"{name}: {message.text} ({message.location.get('url')})"))
            self.page.on("pageerror", lambda error: console.error(f"{name}: uncaught: {error}"))

    def _requested(self, request):
        # Only requests for a new document count: htmx's history.replaceState does not.
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self.navigations.append(f"{request.method} {request.url}")

    def _accept(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.accept()

    def sign_in(self, base_url=None, username=""):
        """Sign in through the form (on the sign-in page already, unless base_url is given)."""
        sign_in(self.page, base_url, username)

    def arm(self):
        """Before an htmx action: wait until the page has loaded (htmx takes over its forms when the
        document is parsed: a click before that sends the form as a browser would, which on a busy
        machine happened), then mark the document, so that a reload or navigation would show."""
        self.page.wait_for_load_state("load")
        self.page.evaluate("window.__marker = 1")
        return self.page.url, len(self.navigations)

    def assert_same_document(self, armed):
        url, navigations = armed
        assert self.page.url == url, f"the URL changed to {self.page.url}"
        assert self.page.evaluate("window.__marker") == 1, "the page was reloaded"
        assert self.navigations[navigations:] == [], f"navigated to {self.navigations[navigations:]}"
