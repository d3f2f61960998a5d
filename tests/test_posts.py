"""Replying, permalinks, editing and deleting: each as a full page (no JS) and as an htmx fragment."""

import re

import pytest

from forum.extensions import db
from forum.models import Post, Thread
from tests.conftest import HTMX
from tests.factories import make_reply, make_thread, make_user

VARY = "HX-Request, HX-Request-Type"


def thread_url(thread):
    return f"/t/{thread.id}-{thread.slug}"


def assert_varies(response):
    vary = {v.strip() for v in response.headers.get("Vary", "").split(",")}
    assert {"HX-Request", "HX-Request-Type"} <= vary


def post_count(thread):
    return db.session.scalar(db.select(db.func.count(Post.id)).where(Post.thread_id == thread.id))


@pytest.fixture
def thread():
    return make_thread(title="Council votes on the bridge", body="The opening post.")


@pytest.fixture
def member(client):
    user = make_user(display_name="Susan T.")
    client.sign_in(user)
    return user


# Replying


def test_reply_as_page_redirects_to_the_new_post(client, thread, member):
    response = client.submit(f"/t/{thread.id}/reply", {"body": "I was there.\n\nIt was loud."})
    post = db.session.scalar(db.select(Post).order_by(Post.id.desc()))
    assert response.status_code == 302
    assert response.location == f"{thread_url(thread)}#p{post.id}"
    page = client.get(thread_url(thread))
    assert "<p>I was there.</p>\n<p>It was loud.</p>" in page.text
    assert db.session.get(Thread, thread.id).post_count == 2


def test_reply_as_fragment_returns_cleared_form_and_appends_the_post(client, thread, member):
    response = client.submit(f"/t/{thread.id}/reply", {"body": "Fragment reply"}, htmx=True)
    post = db.session.scalar(db.select(Post).order_by(Post.id.desc()))
    assert response.status_code == 201
    assert_varies(response)
    html = response.text
    assert html.lstrip().startswith('<form id="reply-form"')
    assert re.search(r'<textarea [^>]*id="reply-body"[^>]*>\s*</textarea>', html)  # composer cleared
    partial = html[html.index("<hx-partial"):]
    assert 'hx-target="#posts" hx-swap="beforeend"' in partial
    assert f'id="p{post.id}"' in partial and "Fragment reply" in partial
    meta = html[html.index('<hx-partial hx-target="#thread-meta" hx-swap="outerHTML">'):]
    assert '<p class="thread-meta" id="thread-meta">2 posts</p>' in meta  # the count keeps up
    assert 'id="flash"' in html and 'data-hx-swap-oob="true"' in html
    assert "<html" not in html


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_empty_reply_is_refused_with_a_message_and_nothing_stored(client, thread, member, htmx):
    response = client.submit(f"/t/{thread.id}/reply", {"body": "   "}, htmx=htmx)
    assert response.status_code == 422
    assert "Write something first." in response.text
    assert 'aria-invalid="true"' in response.text
    assert ("<html" in response.text) is not htmx
    assert post_count(thread) == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_too_long_reply_keeps_the_text(client, thread, member, htmx):
    body = "word " * 4001
    response = client.submit(f"/t/{thread.id}/reply", {"body": body}, htmx=htmx)
    assert response.status_code == 422
    assert "Posts are at most 20,000 characters long." in response.text
    assert body.strip() in response.text
    assert post_count(thread) == 1


def test_anonymous_reply_as_page_redirects_to_sign_in(client, thread):
    response = client.submit(f"/t/{thread.id}/reply", {"body": "hello"},
                             headers={"Referer": f"http://localhost{thread_url(thread)}"})
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")
    assert f"/t/{thread.id}" in response.location
    assert post_count(thread) == 1


def test_anonymous_reply_as_fragment_gets_401_with_hx_redirect(client, thread):
    response = client.submit(f"/t/{thread.id}/reply", {"body": "hello"}, htmx=True,
                             headers={"HX-Current-URL": f"http://localhost{thread_url(thread)}"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login?next=")
    assert "Location" not in response.headers
    assert post_count(thread) == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_reply_to_missing_thread_is_404(client, member, htmx):
    response = client.submit("/t/999999/reply", {"body": "hello"}, htmx=htmx)
    assert response.status_code == 404
    assert "There is no such thread." in response.text
    if htmx:
        assert response.headers["HX-Reswap"] == "none"
        assert 'id="flash"' in response.text and "<html" not in response.text


# Permalinks


def test_permalink_redirects_to_the_right_page_and_anchor(client, thread):
    replies = [make_reply(thread, body=f"reply {n}") for n in range(1, 25)]
    first_page_post, second_page_post = replies[0], replies[20]  # posts 2 and 22 of the thread
    assert client.get(f"/p/{first_page_post.id}").location == f"{thread_url(thread)}#p{first_page_post.id}"
    assert client.get(f"/p/{second_page_post.id}").location == f"{thread_url(thread)}?page=2#p{second_page_post.id}"
    page2 = client.get(f"{thread_url(thread)}?page=2")
    assert f'id="p{second_page_post.id}"' in page2.text and f'id="p{first_page_post.id}"' not in page2.text


def test_permalink_as_fragment_is_the_post_alone(client, thread):
    reply = make_reply(thread, body="just this one")
    response = client.fragment(f"/p/{reply.id}")
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<article class="post" id="p{reply.id}"')
    assert "just this one" in response.text
    assert_varies(response)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_missing_post_is_404(client, htmx):
    response = client.get("/p/424242", headers=HTMX if htmx else {})
    assert response.status_code == 404


# Editing


def test_edit_form_as_fragment_replaces_the_post(client, thread, member):
    reply = make_reply(thread, author=member, body="first draft")
    response = client.fragment(f"/p/{reply.id}/edit")
    assert response.status_code == 200
    assert_varies(response)
    assert response.text.lstrip().startswith(f'<div id="p{reply.id}" class="post post-editing">')
    assert "first draft" in response.text and "<html" not in response.text


def test_edit_form_as_page(client, thread, member):
    reply = make_reply(thread, author=member, body="first draft")
    response = client.get(f"/p/{reply.id}/edit")
    assert response.status_code == 200
    assert "<h1>Edit your post</h1>" in response.text and "first draft" in response.text


def test_edit_as_page_saves_and_redirects(app, client, thread, member):
    app.config["EDIT_GRACE_SECONDS"] = 0
    reply = make_reply(thread, author=member, body="first draft")
    response = client.submit(f"/p/{reply.id}/edit", {"body": "second thoughts", "version": "1"})
    assert response.status_code == 302
    assert response.location == f"{thread_url(thread)}#p{reply.id}"
    page = client.get(thread_url(thread))
    assert "second thoughts" in page.text and "first draft" not in page.text
    assert "edited" in page.text


def test_edit_as_fragment_returns_the_updated_post(client, thread, member):
    reply = make_reply(thread, author=member, body="first draft")
    response = client.submit(f"/p/{reply.id}/edit", {"body": "second thoughts", "version": "1"}, htmx=True)
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<article class="post" id="p{reply.id}"')
    assert "second thoughts" in response.text
    assert db.session.get(Post, reply.id).version == 2


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_invalid_edit_is_422_and_keeps_the_post(client, thread, member, htmx):
    reply = make_reply(thread, author=member, body="first draft")
    response = client.submit(f"/p/{reply.id}/edit", {"body": "", "version": "1"}, htmx=htmx)
    assert response.status_code == 422
    assert "Write something first." in response.text
    assert db.session.get(Post, reply.id).body == "first draft"


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_stale_edit_is_refused_showing_both_texts(client, thread, member, htmx):
    reply = make_reply(thread, author=member, body="first draft")
    assert client.submit(f"/p/{reply.id}/edit", {"body": "from the other tab", "version": "1"}).status_code == 302
    response = client.submit(f"/p/{reply.id}/edit", {"body": "from this tab", "version": "1"}, htmx=htmx)
    assert response.status_code == 409
    assert "changed while you were editing" in response.text
    assert "from the other tab" in response.text and "from this tab" in response.text
    assert 'value="2"' in response.text  # saving again is a deliberate overwrite
    assert db.session.get(Post, reply.id).body == "from the other tab"


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_editing_someone_elses_post_is_403(client, thread, member, htmx):
    other = make_reply(thread, body="not yours")
    form = client.get(f"/p/{other.id}/edit", headers=HTMX if htmx else {})
    save = client.submit(f"/p/{other.id}/edit", {"body": "mine now", "version": "1"}, htmx=htmx)
    assert form.status_code == 403 and save.status_code == 403
    assert "You can only change your own posts." in save.text
    assert db.session.get(Post, other.id).body == "not yours"


def test_anonymous_edit_form_fragment_is_401(client, thread):
    reply = make_reply(thread)
    response = client.fragment(f"/p/{reply.id}/edit")
    assert response.status_code == 401 and "HX-Redirect" in response.headers


def test_thread_page_offers_edit_only_on_own_posts(client, thread, member):
    mine = make_reply(thread, author=member, body="mine")
    theirs = make_reply(thread, body="theirs")
    page = client.get(thread_url(thread)).text
    assert f'href="/p/{mine.id}/edit"' in page
    assert f'href="/p/{theirs.id}/edit"' not in page


# Deleting


def test_delete_as_page_leaves_a_placeholder(client, thread, member):
    reply = make_reply(thread, author=member, body="regrettable words")
    response = client.submit(f"/p/{reply.id}/delete")
    assert response.status_code == 302 and response.location.endswith(f"#p{reply.id}")
    page = client.get(thread_url(thread)).text
    assert "regrettable words" not in page
    assert f'id="p{reply.id}"' in page and "This post was deleted by its author." in page
    assert db.session.get(Thread, thread.id).post_count == 2  # the placeholder keeps its place


def test_delete_as_fragment_returns_the_placeholder(client, thread, member):
    reply = make_reply(thread, author=member, body="regrettable words")
    response = client.submit(f"/p/{reply.id}/delete", htmx=True)
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<article class="post post-removed" id="p{reply.id}"')
    assert "This post was deleted by its author." in response.text
    assert "regrettable words" not in response.text


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_deleting_someone_elses_post_is_403(client, thread, member, htmx):
    other = make_reply(thread, body="still here")
    response = client.submit(f"/p/{other.id}/delete", htmx=htmx)
    assert response.status_code == 403
    assert db.session.get(Post, other.id).removal is None


def test_delete_is_post_only(client, thread, member):
    reply = make_reply(thread, author=member)
    assert client.get(f"/p/{reply.id}/delete").status_code == 405
    assert db.session.get(Post, reply.id).removal is None
