"""Every input path has bounds and cleaning: ids out of range are a 404, control characters never
reach the database, fragments opened as pages get a page, and a failing upload folder says so."""

import io
import logging
import re
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from forum.cleaning import clean_text
from forum.extensions import db
from forum.models import Post, Thread
from tests.conftest import HTMX
from tests.factories import PASSWORD, make_category, make_reply, make_thread, make_user

# Past PostgreSQL's INTEGER, past SQLite's (and PostgreSQL's BIGINT) 64 bits, and far past both.
HUGE_IDS = [2**31, 2**63, 10**30]


# --- 5. ids out of range ---------------------------------------------------------------------------

def id_routes(app):
    """Every rule in the URL map with an integer in its path, and the methods it answers."""
    for rule in app.url_map.iter_rules():
        if any(isinstance(converter, IntegerConverter) for converter in rule._converters.values()):
            yield rule, sorted(rule.methods & {"GET", "POST"})


def url_with_ids(app, rule, number, thread):
    """The rule's URL with every integer argument `number` and the other arguments real ones."""
    args = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            args[name] = number
        else:
            args[name] = thread.slug if name == "slug" else thread.author.username
    with app.test_request_context():
        return app.url_for(rule.endpoint, **args)


def test_the_url_map_has_the_routes_with_ids_this_test_walks(app):
    rules = {rule.rule for rule, _ in id_routes(app)}
    assert {"/p/<int:post_id>", "/t/<int:thread_id>", "/t/<int:thread_id>-<slug>",
            "/admin/members/<int:user_id>", "/avatars/<int:user_id>.svg"} <= rules
    assert len(rules) > 30


@pytest.mark.parametrize("number", HUGE_IDS, ids=["2^31", "2^63", "10^30"])
def test_every_route_with_an_id_answers_404_for_an_id_out_of_range(app, client, number):
    admin = make_user(role="admin")
    thread = make_thread(author=admin)
    client.sign_in(admin)
    answers = []
    for rule, methods in id_routes(app):
        url = url_with_ids(app, rule, number, thread)
        for method in methods:
            for headers in ({}, HTMX):
                if method == "GET":
                    response = client.get(url, headers=headers)
                else:
                    response = client.submit(url, {"body": "x", "reason": "x"}, headers=headers)
                answers.append((method, url, bool(headers), response.status_code))
    assert [answer for answer in answers if answer[3] != 404] == []


def test_the_largest_id_in_range_is_looked_up_and_zero_is_not_an_id(client):
    thread = make_thread()
    assert client.get(f"/t/{2**31 - 1}").status_code == 404
    assert client.get(f"/p/{2**31 - 1}").status_code == 404
    assert client.get("/t/0").status_code == 404
    assert client.get(f"/t/{thread.id}").status_code == 301


def test_an_id_in_a_path_is_a_number_from_1_to_2_31_minus_1(app):
    urls = app.url_map.bind("localhost")
    for number in (1, 9, 10, 99, 1999999999, 2147483599, 2**31 - 1):
        assert urls.match(f"/p/{number}") == ("posts.show", {"post_id": number})
    for text in ("0", "01", "-1", str(2**31), "2147483650", "9999999999", "99999999999", "1e3", "٣"):
        with pytest.raises(NotFound):
            urls.match(f"/p/{text}")


@pytest.mark.parametrize("number", HUGE_IDS, ids=["2^31", "2^63", "10^30"])
def test_ids_in_forms_and_query_strings_out_of_range_are_ignored(client, number):
    """A reply naming a huge parent, a huge ?after= on the live poll, a quote of a huge post id:
    each is treated as naming nothing, never a 500."""
    member = make_user()
    thread = make_thread()
    own = make_reply(thread, author=member, body="Mine.")
    client.sign_in(member)
    response = client.submit(f"/t/{thread.id}/reply", {"body": "Answering nothing.", "parent_id": str(number)})
    assert response.status_code == 302
    response = client.submit(f"/t/{thread.id}/reply",
                             {"body": f"> [Someone](/p/{number}) wrote:\n> hi\n\n[link](/p/{number}) Quoting."})
    assert response.status_code == 302
    response = client.submit(f"/t/{thread.id}/draft", {"body": "draft", "parent_id": str(number)})
    assert response.status_code == 204
    reply = db.session.scalars(db.select(Post).where(Post.body == "Answering nothing.")).one()
    assert reply.parent_id is None
    for url in (f"/t/{thread.id}/new-replies?after={number}", f"/t/{thread.id}/new-replies/posts?after={number}"):
        assert client.get(url, headers=HTMX).status_code == 200, url
    assert client.get(f"/?page={number}").status_code == 404
    assert client.get(f"/t/{thread.id}-{thread.slug}?page={number}").status_code == 404
    assert client.get(f"/search?q=reply&page={number}").status_code in (200, 404)
    response = client.submit(f"/p/{own.id}/edit", {"body": "Edited.", "version": str(number)})
    assert response.status_code in (302, 409)


@pytest.mark.parametrize("path", ["/sanction/preview", "/sanction"])
def test_a_sanction_naming_a_thread_number_out_of_range_is_refused_beside_the_field(client, path):
    moderator, member = make_user(role="moderator"), make_user()
    client.sign_in(moderator)
    response = client.submit(f"/mod/members/{member.username}{path}",
                             {"kind": "thread_ban", "reason": "Off topic.", "days": "3", "thread_id": str(2**31)})
    assert response.status_code == 422
    assert "There is no thread with that number." in response.text


# --- 6. control characters -------------------------------------------------------------------------

# NUL and friends from C0, DEL, and C1 (NEL, CSI): none may reach the database or a page.
CONTROLS = "\x00\x01\x07\x08\x0b\x0c\x1b\x1f\x7f\x80\x85\x9b\x9f"
SENT = f"Hello{CONTROLS} there,\r\nsecond\tline\rthird"
KEPT = "Hello there,\nsecond\tline\nthird"


def test_clean_text_removes_controls_and_keeps_lines_and_tabs():
    assert clean_text(SENT) == KEPT
    assert clean_text("") == ""
    assert clean_text("naïve 日本語 — “quotes” \u200b") == "naïve 日本語 — “quotes” \u200b"  # only controls go


def test_a_reply_and_an_edit_are_stored_without_control_characters(client):
    member = make_user()
    thread = make_thread()
    client.sign_in(member)
    assert client.submit(f"/t/{thread.id}/reply", {"body": SENT}).status_code == 302
    post = db.session.scalars(db.select(Post).where(Post.author_id == member.id)).one()
    assert post.body == KEPT
    assert client.submit(f"/p/{post.id}/edit", {"body": "Edited\x00 " + SENT, "version": str(post.version)},
                         htmx=True).status_code == 200
    db.session.refresh(post)
    assert post.body == "Edited " + KEPT
    assert "\x00" not in post.body_html and "\x1b" not in post.body_html


def test_a_new_thread_title_and_body_are_stored_without_control_characters(client):
    member = make_user()
    category = make_category()
    client.sign_in(member)
    response = client.submit("/new", {"category": category.slug, "title": "Nul\x00 in\x1b the\x85 title",
                                      "body": SENT})
    assert response.status_code == 302, response.text
    thread = db.session.scalars(db.select(Thread).where(Thread.author_id == member.id)).one()
    assert thread.title == "Nul in the title"
    assert db.session.scalars(db.select(Post.body).where(Post.thread_id == thread.id)).one() == KEPT


def test_a_bio_is_stored_without_control_characters(client):
    member = make_user()
    client.sign_in(member)
    response = client.submit("/settings/profile/bio", {"bio": SENT})
    assert response.status_code == 302
    db.session.refresh(member)
    assert member.bio == KEPT


@pytest.mark.parametrize("query", ["q=nul%00here", "q=%00", "author=a%00b", "q=x&author=%1b%85",
                                   "q=x&category=%00"])
def test_search_with_control_characters_answers(client, query):
    make_thread(title="Nul here and there")
    response = client.get(f"/search?{query}")
    assert response.status_code == 200
    assert "\x00" not in response.text


def test_sign_in_and_registration_with_control_characters_get_form_answers(client):
    member = make_user()
    assert client.submit("/login", {"username": "nobody\x00", "password": "x" * 12}).status_code == 422
    response = client.submit("/login", {"username": member.username + "\x00", "password": PASSWORD})
    assert response.status_code == 302
    response = client.submit("/register", {"username": "new\x00comer", "display_name": "New\x00 Comer",
                                           "email": "new\x00@example.com", "password": "x" * 12})
    assert response.status_code in (302, 422)


def test_a_password_is_taken_as_typed(client):
    """Passwords are never stored or shown: one with a control character works as it was chosen."""
    member = make_user(password="tab\x01bed password")
    client.submit("/login", {"username": member.username, "password": "tabbed password"})
    assert "Sign out" not in client.get("/").text
    client.sign_in(member, password="tab\x01bed password")


@pytest.mark.parametrize("path", ["/u/nul%00", "/c/nul%00", "/u/nul%00/standing", "/c/x%1b/feed.atom",
                                  "/password/reset/abc%00", "/email/unsubscribe/abc%00"])
def test_text_in_a_path_with_control_characters_is_a_404(client, path):
    client.sign_in(make_user(role="admin"))
    assert client.get(path).status_code == 404


def test_staff_text_fields_are_cleaned_too(client):
    moderator, member = make_user(role="moderator"), make_user()
    thread = make_thread(author=member)
    client.sign_in(moderator)
    response = client.submit(f"/mod/members/{member.username}/sanction",
                             {"kind": "warning", "reason": "Be\x00 kind.", "note": "n\x00"})
    assert response.status_code == 302
    response = client.submit(f"/mod/threads/{thread.id}/lock", {"reason": "Loc\x00ked"})
    assert response.status_code == 302


# --- 11. an upload folder that will not take a picture ---------------------------------------------

def a_picture() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 160)).save(out, "PNG")
    return out.getvalue()


def broken_upload_folder(app, tmp_path, monkeypatch, failure) -> None:
    """An UPLOAD_DIR that is a file (a real failure, whoever runs the test), or a folder whose writes
    are refused as a read-only one refuses them (root, as in CI, may write anywhere)."""
    if failure == "not-a-folder":
        blocker = tmp_path / "uploads"
        blocker.write_text("a file where the folder should be")
        app.config["UPLOAD_DIR"] = str(blocker)
    else:
        app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")

        def refuse(path, *args, **kwargs):
            raise PermissionError(13, "Permission denied", str(path))

        monkeypatch.setattr(Path, "write_bytes", refuse)
        monkeypatch.setattr(Path, "unlink", refuse)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
@pytest.mark.parametrize("failure", ["not-a-folder", "permission-denied"])
def test_an_upload_folder_that_will_not_take_the_picture_says_so(app, client, tmp_path, monkeypatch, caplog,
                                                                   failure, htmx):
    member = make_user()
    client.sign_in(member)
    broken_upload_folder(app, tmp_path, monkeypatch, failure)
    with caplog.at_level(logging.ERROR):
        response = client.submit("/settings/profile/avatar", {"picture": (io.BytesIO(a_picture()), "me.png")},
                                 htmx=htmx)
    assert response.status_code == 503
    error = re.search(r'<p class="error" id="avatar-picture-error">([^<]*)</p>', response.text)
    assert error and "could not be saved" in error.group(1) and "try again later" in error.group(1)
    assert 'id="avatar-panel"' in response.text and ("<html" in response.text) is not htmx
    assert str(tmp_path) not in response.text  # the path is for the log, not for members
    logged = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert any(str(tmp_path / "uploads") in line and ("Permission denied" in line or "Not a directory" in line
                                                      or "File exists" in line) for line in logged), logged
    db.session.refresh(member)
    assert member.avatar is None


def test_removing_or_showing_a_picture_with_a_broken_upload_folder_is_no_error(app, client, tmp_path, monkeypatch):
    member = make_user()
    member.avatar = f"{member.id}-abcdefghijkl.webp"
    db.session.commit()
    client.sign_in(member)
    broken_upload_folder(app, tmp_path, monkeypatch, "not-a-folder")
    assert client.get(f"/avatars/uploads/{member.avatar}").status_code == 404
    assert client.submit("/settings/profile/avatar/remove").status_code == 302
    db.session.refresh(member)
    assert member.avatar is None


# --- 13. fragments opened as pages -----------------------------------------------------------------

def test_every_html_get_route_opened_in_a_browser_is_a_whole_page(app, client):
    """Walk the URL map: whatever answers a plain browser's GET with HTML answers a page with its
    frame (or a redirect to one), never a bare fragment meant for htmx."""
    admin = make_user(role="admin")
    thread = make_thread(author=admin)
    reply = make_reply(thread)
    client.sign_in(admin)
    ids = {"thread_id": thread.id, "post_id": reply.id, "user_id": admin.id, "category_id": thread.category.id}
    bare = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        args = {name: ids.get(name, 1) if isinstance(converter, IntegerConverter)
                else thread.slug if name == "slug" else admin.username if name == "username" else "x"
                for name, converter in rule._converters.items()}
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **args)
        response = client.get(url)
        if response.mimetype == "text/html" and response.status_code == 200 and "<html" not in response.text:
            bare.append(url)
    assert bare == []


def test_the_new_replies_poll_opened_in_a_browser_goes_to_the_thread_s_last_page(app, client):
    member = make_user()
    thread = make_thread()
    for n in range(app.config["POSTS_PER_PAGE"]):
        make_reply(thread, body=f"Reply {n}.")
    client.sign_in(member)
    for path in ("new-replies?after=1&seen=3", "new-replies/posts?after=1"):
        response = client.get(f"/t/{thread.id}/{path}")
        assert response.status_code == 302
        assert response.headers["Location"] == f"/t/{thread.id}-{thread.slug}?page=2"
        assert client.get(f"/t/{thread.id}/{path}", headers=HTMX).status_code == 200  # the poll itself
    short = make_thread()
    assert client.get(f"/t/{short.id}/new-replies").headers["Location"] == f"/t/{short.id}-{short.slug}"
    assert client.get("/t/999999/new-replies").status_code == 404


def test_the_notification_count_opened_in_a_browser_goes_to_the_notifications_page(client):
    response = client.get("/notifications/count")
    assert response.status_code == 302 and response.headers["Location"] == "/notifications"
    assert client.get("/notifications/count", headers=HTMX).status_code == 204  # a guest's poll: nothing
    client.sign_in(make_user())
    response = client.get("/notifications/count?seen=0-0")
    assert response.status_code == 302 and response.headers["Location"] == "/notifications"
    assert client.get("/notifications/count", headers=HTMX).status_code == 200
