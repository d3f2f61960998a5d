"""Real-browser fixtures: Debian's Chromium, a live server per test, axe-core scans, screenshots."""

import json
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from forum import create_app
from forum.config import PROJECT_ROOT
from forum.extensions import db
from tests.conftest import _empty_tables, test_config
from tests.factories import make_category
from tests.mail_server import receiving

AXE_JS = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
CATEGORY = "General"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    exe = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    flags = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    return {**browser_type_launch_args, "executable_path": exe,
            "args": [*browser_type_launch_args.get("args", []), *flags]}


@pytest.fixture
def live_app(database_url, _schema, uploads_folder):
    """An app on the test database with one category, emptied again after the test."""
    app = create_app(test_config(database_url, UPLOAD_DIR=uploads_folder))
    with app.app_context():
        make_category(name=CATEGORY, slug="general")
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def live_server(live_app):
    """The app served over real HTTP on 127.0.0.1 from a background thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, _always_closed(live_app), threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def live_inbox(live_app, live_server):
    """The live forum's mail, received by a real SMTP server; the links in it lead to the live server."""
    with receiving(live_app, base_url=live_server) as inbox:
        yield inbox


def _always_closed(app):
    """The app, its answers closed even when the browser drops the connection mid-answer: Werkzeug's
    development server then reads the dropped socket before closing the answer, that read can fail, and
    an answer left open (a static file's) warns when it is collected — an error in whichever test runs."""
    def closing(environ, start_response):
        answer = app(environ, start_response)

        def chunks():
            try:
                yield from answer
            finally:  # also when the server forgets this generator: collecting it runs this
                if hasattr(answer, "close"):
                    answer.close()
        return chunks()
    return closing


class _QuietHandler(WSGIRequestHandler):
    """Keeps the access log out of the test output; errors are still logged."""

    def log_request(self, code="-", size="-"):
        pass


@pytest.fixture
def screenshot(request):
    """`screenshot(page, "step")` saves test-artifacts/screenshots/<test>/NN-step.png, numbered in order."""
    folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    taken = []

    def take(page, step: str) -> Path:
        path = folder / f"{len(taken) + 1:02d}-{step}.png"
        # caret="initial": hiding the caret would leave style="" on form fields, which htmx copies
        # onto swapped-in fields and the CSP then reports as an error no visitor would ever get.
        page.screenshot(path=str(path), full_page=True, caret="initial")
        taken.append(path)
        return path

    return take


@pytest.fixture
def new_context(browser):
    """`new_context(javascript=True, **options)`: a fresh browser context (a separate visitor), closed
    after the test; options (viewport, color_scheme) go to Playwright's browser.new_context."""
    contexts = []

    def open_context(javascript: bool = True, **options):
        context = browser.new_context(java_script_enabled=javascript, **options)
        context.set_default_timeout(5_000)
        contexts.append(context)
        if not javascript:
            _WITHOUT_SCRIPTS[id(context)] = options.get("color_scheme", "light")
        return context

    yield open_context
    for context in contexts:
        _WITHOUT_SCRIPTS.pop(id(context), None)
        context.close()


_WITHOUT_SCRIPTS: dict[int, str] = {}  # id of a context without JavaScript -> its colour scheme


@pytest.fixture
def axe_check(browser):
    """`axe_check(page, "what")` runs axe-core on the page as it is now and asserts no violations.

    The source is evaluated through the DevTools protocol rather than added as a <script> tag: the
    site's CSP (rightly) blocks inline scripts, and this keeps the CSP enforced during the journey.
    A page with JavaScript off cannot run axe (its timers never fire), so its DOM is copied into
    a scripting page at the same address (same stylesheet, same :target) with the page's own
    scripts blocked, so that nothing changes what the visitor without JavaScript got.
    """
    source = AXE_JS.read_text(encoding="utf-8")
    copies = {}

    def check(page, what: str):
        target = page
        if id(page.context) in _WITHOUT_SCRIPTS:
            # The copy has the page's size and colour scheme: contrast is checked in the scheme shown.
            key = (tuple(page.viewport_size.items()), _WITHOUT_SCRIPTS[id(page.context)])
            if key not in copies:
                copies[key] = _Copy(browser, page.viewport_size, key[1])
            target = copies[key].show(page)
        if target.evaluate("typeof window.axe") == "undefined":
            target.evaluate(source)
        results = target.evaluate("axe.run(document, {resultTypes: ['violations']})")
        violations = [
            {"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]]}
            for v in results["violations"]
        ]
        if violations:
            print(f"axe-core violations on {what} ({page.url}):\n" + json.dumps(violations, indent=2))
        assert violations == [], f"axe-core found {len(violations)} violation(s) on {what}: " + "; ".join(
            f"{v['id']} ({v['impact']}) at {v['nodes']}" for v in violations
        )

    yield check
    for copy in copies.values():
        copy.context.close()


class _Copy:
    """A scripting page that shows another page's current DOM at the same URL, its own scripts blocked."""

    def __init__(self, browser, viewport, color_scheme="light"):
        self.context = browser.new_context(viewport=viewport, color_scheme=color_scheme)
        self.page = self.context.new_page()
        self.html, self.url = "", ""
        self.page.route("**/*", self._serve)

    def show(self, page):
        self.html, self.url = page.content(), page.url.split("#")[0]
        self.page.goto("about:blank")
        self.page.goto(page.url)
        return self.page

    def _serve(self, route):
        request = route.request
        if request.resource_type == "document" and request.url.split("#")[0] == self.url:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self.html)
        elif request.resource_type == "script":
            route.abort()
        else:
            route.continue_()
