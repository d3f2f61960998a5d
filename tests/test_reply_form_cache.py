"""The reply form kept per worker (forum/threads/views/reply_form.py): a kept form is exactly what rendering
it afresh gives, with the member's own token, request key and draft, and a refused form shows its messages.

The guest page cache is off here, as in tests/test_post_html_cache.py."""

import re

import pytest
from flask import render_template
from flask_login import login_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from forum import kept_html
from forum.admin.service import settings as saved_settings
from forum.auth.service import accounts
from forum.extensions import db
from forum.models import Post
from forum.moderation.service import threads as moderation
from forum.posts.forms import ReplyForm
from forum.posts.service import drafts
from forum.threads.views import reply_form
from tests.conftest import CSRF_IN_PAGE
from tests.factories import make_reply, make_thread, make_user

APP_CONFIG = {"PAGE_CACHE_SECONDS": 0}
REQUEST_KEY = re.compile(r'name="request_key" type="hidden" value="([^"]*)"')
TRICKY = "</textarea><script>alert(\"hi\")</script> & 'quotes' {{ x }} \u00e9\n> quoted"


def address(thread) -> str:
    return f"/t/{thread.id}-{thread.slug}"


def posts_in(thread) -> list[Post]:
    return list(db.session.scalars(select(Post).where(Post.thread_id == thread.id).order_by(Post.id)))


def form_of(html: str) -> str:
    return html.split('<form id="reply-form"')[1].split("</form>")[0]


@pytest.fixture
def opal():
    return make_user(username="opal", display_name="Opal Quist")


@pytest.fixture
def thread(opal):
    thread = make_thread(author=opal, title="Kept forms", body="The first words.")
    make_reply(thread, author=opal, body="A second post.")
    return thread


def _empty(thread, opal):
    return make_user(username="mara"), lambda: ReplyForm.fresh(), None


def _tricky_draft(thread, opal):
    return make_user(username="mara"), lambda: ReplyForm.fresh(TRICKY), None


def _answering(thread, opal):
    post = posts_in(thread)[0]
    return make_user(username="mara"), lambda: ReplyForm.fresh("@opal <b>yes</b>", post.id), post


def _staff_in_a_locked_thread(thread, opal):
    moderation.lock(make_user(username="molly", role="moderator"), thread, "Cooling off.")
    return make_user(username="sam", role="admin"), lambda: ReplyForm.fresh("Staff may still write & <reply>."), None


def _sent_without_errors(thread, opal):
    """A form sent back (a preview): a request key of the sender's own choosing is escaped too."""
    sent = MultiDict({"body": TRICKY, "request_key": 'k"<&>\'', "parent_id": ""})
    return make_user(username="mara"), lambda: ReplyForm(sent, meta={"csrf": False}), None


@pytest.mark.parametrize("state", [_empty, _tricky_draft, _answering, _staff_in_a_locked_thread,
                                   _sent_without_errors], ids=lambda state: state.__name__.strip("_"))
def test_a_kept_form_is_byte_for_byte_a_fresh_one(app, thread, opal, state):
    member, make_form, answering = state(thread, opal)
    kept = app.extensions["reply_form"]
    with app.test_request_context():
        login_user(member)
        form = make_form()
        first, again = (reply_form.reply_form_html(thread, form, answering) for _ in range(2))
        fresh = render_template("threads/_reply_form.html", thread=thread, form=form, answering=answering)
    assert len(kept) == 1  # it was kept, and answered again from memory
    assert first == again == fresh
    assert kept_html.MARK not in fresh


def test_a_refused_form_is_rendered_afresh_with_its_messages(app, thread):
    mara = make_user(username="mara")
    with app.test_request_context():
        login_user(mara)
        form = ReplyForm.fresh(TRICKY)
        form.body.errors = ["Write something first."]
        reply_form.reply_form_html(thread, ReplyForm.fresh(), None)  # a fresh form kept for the thread
        html = reply_form.reply_form_html(thread, form, None)
    assert "Write something first." in html and 'aria-invalid="true"' in html
    assert len(app.extensions["reply_form"]) == 1


def test_a_refused_reply_shows_its_message_and_text_on_the_page(app, client, thread):
    client.sign_in(make_user(username="mara"))
    assert client.get(address(thread)).status_code == 200  # the fresh form is kept
    answer = client.submit(f"/t/{thread.id}/reply", {"body": "", "request_key": "k1"})
    assert answer.status_code == 422
    assert "Write something first." in form_of(answer.text) and 'aria-invalid="true"' in form_of(answer.text)


def test_each_page_has_its_own_request_key_and_the_sessions_token(app, client, thread):
    client.sign_in(make_user(username="mara"))
    first, second = (client.get(address(thread)).text for _ in range(2))
    keys = [REQUEST_KEY.search(form_of(text)).group(1) for text in (first, second)]
    assert len(keys[0]) >= 20 and keys[0] != keys[1]
    assert kept_html.MARK not in second
    token = CSRF_IN_PAGE.search(form_of(second)).group(1)
    sent = client.post(f"/t/{thread.id}/reply", data={"csrf_token": token, "request_key": keys[1], "body": "Hello."})
    assert sent.status_code == 302


def test_two_members_get_their_own_tokens(app, thread):
    tokens = []
    for name in ("mara", "nils"):
        client = app.test_client()
        client.sign_in(make_user(username=name))
        text = client.get(address(thread)).text
        tokens.append(CSRF_IN_PAGE.search(form_of(text)).group(1))
    assert tokens[0] != tokens[1]


def test_a_draft_is_shown_escaped_in_the_kept_form(app, client, thread):
    mara = make_user(username="mara")
    client.sign_in(mara)
    client.get(address(thread))  # the form kept, empty
    drafts.save_draft(mara, thread, TRICKY)
    text = form_of(client.get(address(thread)).text)
    assert "&lt;/textarea&gt;&lt;script&gt;alert(&#34;hi&#34;)&lt;/script&gt; &amp; &#39;quotes&#39;" in text
    assert "<script>" not in text


def test_the_answered_post_shows_under_the_name_its_author_has_now(app, client, thread, opal):
    mara = make_user(username="mara")
    client.sign_in(mara)
    drafts.save_draft(mara, thread, "Agreed.", posts_in(thread)[1].id)
    text = form_of(client.get(address(thread)).text)
    assert f'value="{posts_in(thread)[1].id}"' in text and "Replying to" in text and "Opal Q" in text
    accounts.update_profile(opal, "Ophelia Quist", "full")
    text = form_of(client.get(address(thread)).text)
    assert "Ophelia Quist" in text and "Opal Q" not in text
    drafts.save_draft(mara, thread, "Agreed.")
    assert "Replying to" not in form_of(client.get(address(thread)).text)


def test_a_lock_takes_the_kept_form_away_from_members(app, client, thread):
    client.sign_in(make_user(username="mara"))
    assert 'id="reply-form"' in client.get(address(thread)).text
    moderation.lock(make_user(username="molly", role="moderator"), thread, "Cooling off.")
    text = client.get(address(thread)).text
    assert 'id="reply-form"' not in text and "Locked: no new replies." in text


def test_a_new_setting_shows_in_the_new_members_hint(app, client, thread, admin):
    client.sign_in(make_user(username="mara"))
    assert "(3 posts" in form_of(client.get(address(thread)).text)
    saved_settings.save(admin, {"NEW_MEMBER_MIN_POSTS": 7})
    assert "(7 posts" in form_of(client.get(address(thread)).text)


def test_no_draft_can_name_a_slot():
    """The markers hold a secret made when the worker starts: a draft cannot contain one on purpose."""
    assert len(reply_form.BODY_SLOT) > 40 and kept_html.MARK in reply_form.BODY_SLOT



def test_each_thread_and_each_kind_of_member_gets_its_own_form(app, thread, opal):
    other = make_thread(author=opal, title="Another thread")
    mara, sam = app.test_client(), app.test_client()
    mara.sign_in(make_user(username="mara"))
    sam.sign_in(make_user(username="sam", role="admin"))
    for client, hinted in ((mara, True), (sam, False), (mara, True)):
        for each in (thread, other):
            text = form_of(client.get(address(each)).text)
            assert f'action="/t/{each.id}/reply"' in text
            assert ('id="link-policy"' in text) is hinted
