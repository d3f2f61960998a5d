"""Every page is valid HTML: the Nu HTML checker (vnu, npm `vnu-jar`, run with Java) reports no error.

The test signs in as a guest, a member and an admin in turn, follows every link of the forum's own
pages from the home page (GET only, a couple of addresses of each shape: /t/1 and /t/2, not every
thread), adds the pages that only a refused form shows (422s), and hands them all to vnu at once —
as files, since vnu refuses localhost URLs. `make test` installs Java where it is missing, as it does
Chromium; a machine without it fails here rather than skipping, so that CI never passes unchecked.
"""

import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from PIL import Image

from forum.config import PROJECT_ROOT
from forum.demo import seed_demo
from forum.moderation.service.flags import flag_post
from forum.posts.service import add_reply, uploads
from forum.posts.service.held import hold_reply
from forum.models import Post, PrivateMessage, Thread
from forum.extensions import db
from forum.messages import service as messages
from forum.messages.service import drafts as message_drafts, moderation as message_moderation
from forum.messages.service.display import quote_of
from tests.factories import make_user
from tests.test_admin_jobs import failed_mail

VNU = PROJECT_ROOT / "node_modules/vnu-jar/build/dist/vnu.jar"
PER_SHAPE = 2  # addresses of one shape visited (/t/N/slug, /u/name…)
MOST_PAGES = 150  # per visitor: a bound, should the forum grow a great many shapes
NOT_PAGES = ("/static/", "/avatars/", "/uploads/", "/feeds/", ".xml", ".atom")
# Every kind of element a post can hold (issue 15), previewed on the page beside the thread's posts.
RICH = ("| a | b |\n|:-|-:|\n| 1 | 2 |\n\n- [ ] to do\n- [x] done\n\nNote[^1] ~~gone~~ :tada:\n\n"
        ":::spoiler The end\nHidden.\n:::\n\n```python\nprint('hi')\n```\n\n    indented\n\n[^1]: The note.")


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.found.append(href)


def shape(url: str) -> str:
    """What addresses of one kind share: the path with its numbers and names blurred, the query's keys."""
    parts = urlsplit(url)
    path = re.sub(r"\d+", "N", parts.path)
    path = re.sub(r"/(u|members|c|t|tag)/[^/]+", r"/\1/X", path)
    keys = sorted(pair.split("=")[0] for pair in parts.query.split("&") if pair)
    return path + "?" + "&".join(keys)


def crawl(client, start="/") -> dict[str, str]:
    """The forum's pages reachable from `start` by GET, a few of each shape: {url: html}."""
    pages, queue, shapes = {}, [start], {}
    while queue and len(pages) < MOST_PAGES:
        url = queue.pop(0)
        if url in pages:
            continue
        response = client.get(url)
        if response.mimetype != "text/html" or not response.text.lstrip().lower().startswith("<!doctype"):
            continue
        pages[url] = response.text
        links = Links()
        links.feed(response.text)
        for href in links.found:
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/") or href.startswith(NOT_PAGES):
                continue
            if any(part in href for part in NOT_PAGES) or href in pages or href in queue:
                continue
            kind = shape(href)
            if shapes.get(kind, 0) < PER_SHAPE:
                shapes[kind] = shapes.get(kind, 0) + 1
                queue.append(href)
    return pages


def vnu_errors(pages: dict[str, str], folder) -> list[str]:
    """vnu's errors, each as "url line:column message"."""
    java = shutil.which("java")
    if java is None or not VNU.exists():
        pytest.fail("The Nu HTML checker needs Java and node_modules/vnu-jar: `make test` installs both "
                    "(apt-get install default-jre-headless; npm ci).")
    names = {}
    for number, (url, html) in enumerate(pages.items()):
        path = folder / f"page{number}.html"
        path.write_text(html)
        names[str(path.resolve())] = url
    result = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--format", "json", *names],
                            capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [f"{names.get(message.get('url', '').removeprefix('file:'), message.get('url'))} "
              f"{message.get('lastLine')}:{message.get('firstColumn')} {message['message']} "
              f"«{message.get('extract', '')}»" for message in messages]
    assert errors or result.returncode == 0, result.stdout + result.stderr  # vnu failed some other way
    return errors


@pytest.fixture
def forum(app, tmp_path):
    """The demo forum, with an admin, a member, a flag waiting in the queue, a reply of the member's
    held for a moderator (the member sees it on the thread page and /held, the admin in the queue), an
    admin's reply showing an image (a wide one, shown by its smaller copy), and a job that failed for good."""
    admin, member = make_user(role="admin"), make_user()
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    seed_demo()
    post = db.session.scalar(db.select(Post).where(Post.author_id != member.id).order_by(Post.id))
    photo = io.BytesIO()
    Image.new("RGB", (1600, 900), (40, 90, 60)).save(photo, "PNG")
    image = uploads.accept(admin, photo.getvalue(), "harbour at dusk.png")
    add_reply(post.thread, admin, "The harbour:\n\n" + uploads.reference(image) + "\nPhoto: the author.")
    flag_post(post, member, "spam", "Selling things.")
    app.config["NEW_MEMBER_POST_REVIEW"] = "hold"
    hold_reply(post.thread, member, "My first post, *waiting*.", "new")
    failed_mail(app, "Nobody listens")  # /admin lists it, with its Retry and Clear buttons
    conversation = messages.start_conversation(admin, [member], "A quiet word", "Hello, **a word**.",
                                               from_moderators=True)
    first = db.session.get(PrivateMessage, conversation.last_message_id)
    answer = messages.add_message(conversation, member, quote_of(first) + "Thanks, _noted_.")  # an attributed quote
    message_moderation.flag_message(answer, admin, "other")  # the crawl reaches /mod/messages/<id>
    message_drafts.save_draft(member, conversation, "Half a thought")  # the member's page says it is a draft
    message_drafts.save_new_conversation_draft(admin, "someone_else", "Lunch", "Are you free?")  # /messages/new's note
    return admin, member


def refused_forms(client) -> dict[str, str]:
    """Pages that only a form sent back with its mistakes shows, and an error page."""
    answers = {"/login (refused)": client.submit("/login", {"username": "nobody", "password": "wrong"}),
               "/register (refused)": client.submit("/register", {"username": "", "email": "not an address"}),
               "/password/reset (refused)": client.submit("/password/reset", {"email": "not an address"}),
               "/no-such-page": client.get("/no-such-page")}
    return {url: answer.text for url, answer in answers.items() if answer.status_code in (200, 404, 422)}


def identity_provider_pages(client) -> dict[str, str]:
    """The sign-in page with "Sign in with …" (OpenID Connect on), and the page a refused sign-in shows."""
    config = client.application.config
    config.update(OIDC_ENABLED=True, OIDC_ISSUER="https://id.example.com", OIDC_CLIENT_ID="forum",
                  OIDC_NAME="Daily Courier")
    try:
        login, refused = client.get("/login"), client.get("/login/oidc/callback?code=x&state=y")
    finally:
        config["OIDC_ENABLED"] = False
    assert "Sign in with" in login.text and refused.status_code == 400
    return {"/login (identity provider)": login.text, "/login/oidc/callback (refused)": refused.text}


def refused_member_forms(client, visitor) -> dict[str, str]:
    thread = db.session.scalar(db.select(Thread).order_by(Thread.id))
    answers = {"/new (refused)": client.submit("/new", {"title": "", "body": ""}),
               "reply (refused)": client.submit(f"/t/{thread.id}/reply", {"body": ""}),
               "reply (preview)": client.submit(f"/t/{thread.id}/preview", {"body": "A *preview*."}),
               "reply (refused image)": client.submit(f"/t/{thread.id}/reply", {
                   "body": "Words.", "image": (io.BytesIO(b"<svg/>"), "x.svg")}, content_type="multipart/form-data"),
               "reply (rich preview)": client.submit(f"/t/{thread.id}/preview", {"body": RICH}),
               "/settings/password (refused)": client.submit("/settings/password", {"current_password": "x"}),
               "/settings/profile (refused)": client.submit("/settings/profile", {"display_name": ""}),
               "/messages/new (refused)": client.submit("/messages/new", {"to": "nobody_at_all", "subject": "",
                                                                          "body": ""})}
    own = db.session.scalar(db.select(Post.id).where(Post.author_id == visitor.id).order_by(Post.id.desc()))
    if own is not None:  # the edit form on its page, with the image field, and refusing an image beside it
        answers[f"/p/{own}/edit"] = client.get(f"/p/{own}/edit")
        answers["edit (refused image)"] = client.submit(f"/p/{own}/edit", {
            "body": "Words.", "version": "1", "image": (io.BytesIO(b"<svg/>"), "x.svg")},
            content_type="multipart/form-data")
    return {url: answer.text for url, answer in answers.items() if answer.status_code in (200, 422)}


def test_every_page_is_valid_html(app, forum, tmp_path):
    admin, member = forum
    pages = {}
    guest = app.test_client()
    pages.update({f"{url} (guest)": html for url, html in crawl(guest).items()})
    pages.update(refused_forms(guest))
    pages.update(identity_provider_pages(guest))
    for visitor in (member, admin):
        client = app.test_client()
        client.sign_in(visitor)
        pages.update({f"{url} ({visitor.role})": html for url, html in crawl(client).items()})
        pages.update({f"{url} ({visitor.role})": html for url, html in refused_member_forms(client, visitor).items()})
        pages[f"/held ({visitor.role})"] = client.get("/held").text  # linked from held posts only, deep in a thread
        pages[f"/messages/new?to= ({visitor.role})"] = client.get(f"/messages/new?to={member.username}").text
    assert len(pages) > 60, sorted(pages)  # the crawl reached the forum, not just the home page
    assert '<details class="spoiler">' in pages["reply (rich preview) (member)"]
    assert all(name in pages for name in ("reply (refused) (admin)", "/settings/profile (refused) (member)",
                                          "/no-such-page", "/held (member)"))
    assert "Waiting for a moderator" in pages["/held (member)"] and "Approve and publish" in pages["/mod (admin)"]
    assert ">Retry<" in pages["/admin (admin)"]
    assert "now addressed to" in pages["/messages/new?to= (admin)"]  # a draft to others, the link's recipient
    assert any('<cite class="attribution">' in html and 'id="draft-note"' in html
               for url, html in pages.items() if url.startswith("/messages/") and "(member)" in url)
    assert "That file is not a picture" in pages["edit (refused image) (admin)"]
    print(f"{len(pages)} pages checked")  # shown with pytest -s
    errors = vnu_errors(pages, tmp_path)
    assert errors == [], f"{len(errors)} errors in {len(pages)} pages:\n" + "\n".join(errors)


def test_the_checker_finds_an_invalid_page(tmp_path):
    """The check can fail: a <form> inside a <span> is an error it reports."""
    page = "<!doctype html><html lang=en><title>x</title><span><form></form></span>"
    assert len(vnu_errors({"/broken": page}, tmp_path)) == 1


def test_the_sso_pages_are_valid_html(app, tmp_path):
    """Signing in with the publisher's accounts (tests/test_sso.py): the sign-in page pointing to the
    publisher, with the staff's password form tucked away, a refused token, the sign-out question."""
    from tests.test_sso import APP_CONFIG, token
    app.config.update(APP_CONFIG)
    guest = app.test_client()
    pages = {"/login (sso)": guest.get("/login?next=/t/1-x").text,
             "/sso/jwt (refused)": guest.get("/sso/jwt?token=x").text}
    app.config["PASSWORD_ACCOUNTS"] = False
    pages["/login (sso only)"] = guest.get("/login").text
    pages["/register (sso only)"] = guest.get("/register").text
    member = app.test_client()
    member.get("/sso/jwt", query_string={"token": token()})
    pages["/sso/logout (member)"] = member.get("/sso/logout").text
    pages["/login/confirm (sso member)"] = member.get("/login/confirm").text
    assert "Staff: sign in with a password" in pages["/login (sso only)"]
    assert "Sign out of" in pages["/sso/logout (member)"] and "sign in there again" in pages["/login/confirm (sso member)"]
    errors = vnu_errors(pages, tmp_path)
    assert errors == [], "\n".join(errors)
