"""Flags and the review queue: flagging as page and fragment, the hide threshold, and the moderators'
hide, restore and dismiss, with their permissions and their log lines."""

import pytest

from forum.extensions import db
from forum.models import Flag, ModAction, Post
from forum.moderation.service import flags, sanctions
from forum.moderation.service.sanctions import SanctionRequest
from forum.policy import WriteRefused
from forum.posts import service as posts
from forum.posts.service.quoting import quote_markdown
from forum.page_cache import HEADER
from forum.refusals import Conflict, FieldError, Forbidden
from tests.conftest import HTMX
from tests.factories import make_reply, make_thread, make_user

# Flags on an established member's posts: a new member's post flagged as spam silences its author
# (SPAM_FLAG_THRESHOLD, tests/test_spam_signals.py) before these thresholds are reached.
APP_CONFIG = {"NEW_MEMBER_MIN_DAYS": 0, "NEW_MEMBER_MIN_POSTS": 0}


def assert_varies(response):
    vary = {v.strip() for v in response.headers.get("Vary", "").split(",")}
    assert {"HX-Request", "HX-Request-Type"} <= vary


def assert_fragment(response, starts_with):
    assert_varies(response)
    assert "<html" not in response.text
    assert response.text.lstrip().startswith(starts_with), response.text[:200]
    assert 'id="flash"' in response.text and 'data-hx-swap-oob="true"' in response.text


def assert_review_answer(response, post):
    """The answer to hide, restore and dismiss: the queue entry and the post, each for its own region."""
    assert_fragment(response, f'<hx-partial hx-target="#queue-item-{post.id}" hx-swap="outerHTML">')
    entry, _, rest = response.text.partition(f'<hx-partial hx-target="#p{post.id}" hx-swap="outerHTML">')
    assert f'<article class="queue-item" id="queue-item-{post.id}"' in entry
    assert '<hx-partial hx-target="#queue-counts" hx-swap="outerHTML">' in entry  # the counts keep up
    assert "0 posts to review" in entry
    assert f'id="p{post.id}"' in rest and "queue-item" not in rest


def mod_actions(**where):
    return list(db.session.scalars(db.select(ModAction).filter_by(**where).order_by(ModAction.id)))


def open_flags(post):
    return db.session.scalar(db.select(db.func.count(Flag.id)).where(
        Flag.post_id == post.id, Flag.resolved_at.is_(None)))


def fresh(post):
    return db.session.get(Post, post.id)


@pytest.fixture
def author(app):
    return make_user(username="loudmouth", display_name="Loud Mouth")


@pytest.fixture
def thread(author):
    return make_thread(author=make_user(), title="The bridge vote")


@pytest.fixture
def post(thread, author):
    return make_reply(thread, author=author, body="Buy cheap watches at example.com")


@pytest.fixture
def member(client):
    user = make_user(username="watcher", display_name="Wendy Watcher")
    client.sign_in(user)
    return user


@pytest.fixture
def moderator(app):
    return make_user(username="modsue", display_name="Sue Moderator", role="moderator")


@pytest.fixture
def signed_in_moderator(client, moderator):
    client.sign_in(moderator)
    return moderator


def flag_by(post, count, reason="spam"):
    """`count` different members flag the post."""
    return [flags.flag_post(post, make_user(), reason) for _ in range(count)]


# The rules, through the service


def test_a_flag_is_recorded_with_its_reason_and_note(post):
    flagger = make_user()
    flags.flag_post(post, flagger, "other", "  Looks like a scam to me  ")
    flag = db.session.scalar(db.select(Flag))
    assert (flag.post_id, flag.user_id, flag.reason, flag.note) == (post.id, flagger.id, "other", "Looks like a scam to me")
    assert flag.resolved_at is None
    assert fresh(post).removal is None


def test_one_flag_per_member_per_post(post):
    flagger = make_user()
    flags.flag_post(post, flagger, "spam")
    with pytest.raises(Conflict, match="You already flagged this post.") as refused:
        flags.flag_post(post, flagger, "unkind")
    assert refused.value.status == 409
    assert db.session.scalar(db.select(db.func.count(Flag.id))) == 1


def test_members_cannot_flag_their_own_post_or_a_removed_one(post, author):
    with pytest.raises(Forbidden, match="your own post") as own:
        flags.flag_post(post, author, "spam")
    assert own.value.status == 403
    posts.delete_post(post, author)
    with pytest.raises(Conflict, match="already removed"):
        flags.flag_post(fresh(post), make_user(), "spam")
    assert db.session.scalar(db.select(db.func.count(Flag.id))) == 0


@pytest.mark.parametrize("reason, note, field", [("rude", "", "reason"), ("other", "  ", "note"),
                                                 ("spam", "x" * 501, "note")])
def test_a_flag_needs_a_listed_reason_and_a_note_for_something_else(post, reason, note, field):
    with pytest.raises(FieldError) as invalid:
        flags.flag_post(post, make_user(), reason, note)
    assert invalid.value.field == field
    assert db.session.scalar(db.select(db.func.count(Flag.id))) == 0


def test_the_threshold_of_different_members_hides_the_post_until_reviewed(app, thread, post):
    assert app.config["FLAG_HIDE_THRESHOLD"] == 3
    quoting = make_reply(thread, body=quote_markdown(post) + "Is this spam?")
    flag_by(post, 2)
    assert fresh(post).removal is None
    assert "Buy cheap watches" in fresh(quoting).body_html
    flag_by(post, 1)
    assert fresh(post).removal == "flagged"
    assert fresh(post).placeholder == "Hidden until a moderator reviews it: several members flagged it."
    html = fresh(quoting).body_html
    assert "Buy cheap watches" not in html and "Hidden until a moderator reviews it" in html
    hidden = mod_actions(action="hide_flagged")
    assert len(hidden) == 1 and hidden[0].actor_id is None and hidden[0].actor_role == "system"


def test_the_threshold_is_configurable(app, post):
    app.config["FLAG_HIDE_THRESHOLD"] = 1
    flag_by(post, 1)
    assert fresh(post).removal == "flagged"


def test_resolved_flags_do_not_count_towards_the_threshold(signed_in_moderator, post):
    flag_by(post, 2)
    flags.dismiss_flags(signed_in_moderator, post)
    flag_by(post, 2)
    assert fresh(post).removal is None
    flag_by(post, 1)
    assert fresh(post).removal == "flagged"


def test_a_read_only_member_cannot_flag(post, moderator):
    silenced = make_user()
    sanctions.issue(moderator, silenced, SanctionRequest(kind="silence", reason="Cool off.", days=1))
    with pytest.raises(WriteRefused, match="silenced"):
        flags.flag_post(post, silenced, "spam")
    assert db.session.scalar(db.select(db.func.count(Flag.id))) == 0


def test_hide_shows_the_public_reason_resolves_flags_and_collapses_quotes(thread, post, moderator):
    quoting = make_reply(thread, body=quote_markdown(post) + "Is this spam?")
    flag_by(post, 1)
    flags.hide_post(moderator, post, "  Advertising  ")
    hidden = fresh(post)
    assert (hidden.removal, hidden.removal_reason) == ("moderator", "Advertising")
    assert hidden.placeholder == "Removed by a moderator: Advertising"
    assert open_flags(post) == 0
    html = fresh(quoting).body_html
    assert "Buy cheap watches" not in html and "Removed by a moderator: Advertising" in html
    [action] = mod_actions()
    assert (action.action, action.target_type, action.target_id, action.public_reason, action.actor_id) == (
        "hide", "post", post.id, "Advertising", moderator.id)


def test_hide_needs_a_reason_and_logs_nothing_without_one(post, moderator):
    with pytest.raises(FieldError):
        flags.hide_post(moderator, post, "   ")
    assert fresh(post).removal is None and mod_actions() == []


def test_restore_brings_a_flag_hidden_post_and_its_quotes_back(thread, post, moderator):
    quoting = make_reply(thread, body=quote_markdown(post) + "Is this spam?")
    flag_by(post, 3)
    before = len(mod_actions())
    flags.restore_post(moderator, fresh(post))
    assert fresh(post).removal is None and open_flags(post) == 0
    assert "Buy cheap watches" in fresh(quoting).body_html
    assert [a.action for a in mod_actions()[before:]] == ["restore"]


def test_restore_brings_a_moderator_hidden_post_back(thread, post, moderator):
    quoting = make_reply(thread, body=quote_markdown(post) + "Hm")
    flags.hide_post(moderator, post, "Advertising")
    flags.restore_post(moderator, fresh(post))
    restored = fresh(post)
    assert (restored.removal, restored.removal_reason, restored.removed_at) == (None, None, None)
    assert "Buy cheap watches" in fresh(quoting).body_html
    assert [a.action for a in mod_actions()] == ["hide", "restore"]


def test_restore_refuses_what_it_did_not_hide(post, author, moderator):
    with pytest.raises(Conflict):
        flags.restore_post(moderator, post)  # not removed at all
    posts.delete_post(post, author)
    with pytest.raises(Conflict, match="Only posts hidden"):
        flags.restore_post(moderator, fresh(post))
    assert fresh(post).removal == "author" and mod_actions() == []


def test_dismiss_brings_a_flag_hidden_post_and_its_quotes_back(thread, post, moderator):
    quoting = make_reply(thread, body=quote_markdown(post) + "Is this spam?")
    flag_by(post, 3)
    assert "Buy cheap watches" not in fresh(quoting).body_html
    before = len(mod_actions())
    flags.dismiss_flags(moderator, fresh(post))
    assert fresh(post).removal is None and open_flags(post) == 0
    assert "Buy cheap watches" in fresh(quoting).body_html
    assert [a.action for a in mod_actions()[before:]] == ["dismiss_flags"]


def test_dismiss_without_open_flags_is_refused_and_not_logged(post, moderator):
    with pytest.raises(Conflict, match="no open flags"):
        flags.dismiss_flags(moderator, post)
    assert mod_actions() == []


def test_the_queue_lists_posts_with_open_flags_oldest_first(thread, moderator):
    first = make_reply(thread, body="first flagged")
    second = make_reply(thread, body="second flagged")
    done = make_reply(thread, body="dismissed")
    flag_by(second, 1)
    flag_by(first, 1)
    flag_by(done, 1)
    flag_by(second, 1)
    flags.dismiss_flags(moderator, done)
    entries = flags.queue()
    assert [entry.post.id for entry in entries] == [second.id, first.id]
    assert [len(entry.open_flags) for entry in entries] == [2, 1]
    counts = flags.counts()
    assert (counts.posts, counts.flags, counts.hidden, counts.appeals) == (2, 3, 0, 0)
    assert counts.oldest is not None


# Flagging, as a page and as a fragment


def test_members_see_a_flag_link_on_others_posts_only(client, thread, post, member):
    own = make_reply(thread, author=member, body="mine")
    page = client.get(f"/t/{thread.id}-{thread.slug}").text
    assert f'id="flag-{post.id}" href="/p/{post.id}/flag"' in page
    assert f'id="flag-{own.id}"' not in page
    assert "Hide post" not in page  # members get no moderator tools


def test_guests_see_no_flag_link(client, thread, post):
    assert "/flag" not in client.get(f"/t/{thread.id}-{thread.slug}").text


def test_flag_form_as_page(client, post, member):
    response = client.get(f"/p/{post.id}/flag")
    assert response.status_code == 200 and "<html" in response.text
    assert "Flag a post for the moderators" in response.text and "Buy cheap watches" in response.text
    assert f'action="/p/{post.id}/flag" method="post"' in response.text
    assert_varies(response)


def test_flag_form_as_fragment_replaces_the_flag_link(client, post, member):
    response = client.fragment(f"/p/{post.id}/flag")
    assert response.status_code == 200
    assert_fragment(response, f'<div id="flag-{post.id}" class="flag-box">')
    assert f'data-hx-post="/p/{post.id}/flag" data-hx-target="#flag-{post.id}"' in response.text
    for label in ("Spam", "Unkind", "Off-topic", "Something else"):
        assert label in response.text


def test_flag_as_page_redirects_to_the_post_with_thanks(client, post, member):
    response = client.submit(f"/p/{post.id}/flag", {"reason": "spam"})
    assert response.status_code == 302 and response.location == f"/p/{post.id}"
    assert db.session.scalar(db.select(Flag.reason)) == "spam"
    assert "a moderator will review the post" in client.get(response.location, follow_redirects=True).text


def test_flag_as_fragment_thanks_in_place_of_the_form(client, post, member):
    response = client.submit(f"/p/{post.id}/flag", {"reason": "other", "note": "A scam"}, htmx=True)
    assert response.status_code == 201
    assert_fragment(response, f'<p id="flag-{post.id}" class="flag-box flag-done" tabindex="-1" autofocus>')
    assert "a moderator will review the post" in response.text
    assert db.session.scalar(db.select(Flag.note)) == "A scam"


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_an_invalid_flag_is_shown_again_with_its_error(client, post, member, htmx):
    response = client.submit(f"/p/{post.id}/flag", {"reason": "other", "note": ""}, htmx=htmx)
    assert response.status_code == 422
    assert "Tell the moderators what is wrong with this post." in response.text
    assert ("<html" in response.text) is not htmx
    missing = client.submit(f"/p/{post.id}/flag", {}, htmx=htmx)
    assert missing.status_code == 422 and "Choose why you are flagging this post." in missing.text
    assert db.session.scalar(db.select(db.func.count(Flag.id))) == 0


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_second_flag_says_you_already_flagged(client, post, member, htmx):
    client.submit(f"/p/{post.id}/flag", {"reason": "spam"})
    for response in (client.get(f"/p/{post.id}/flag", headers=HTMX if htmx else {}),
                     client.submit(f"/p/{post.id}/flag", {"reason": "unkind"}, htmx=htmx)):
        assert response.status_code == 409
        assert "You already flagged this post." in response.text
        if htmx:
            assert response.headers["HX-Reswap"] == "none" and 'id="flash"' in response.text
    assert db.session.scalar(db.select(db.func.count(Flag.id))) == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_flagging_ones_own_post_is_forbidden(client, thread, member, htmx):
    own = make_reply(thread, author=member, body="mine")
    assert client.get(f"/p/{own.id}/flag", headers=HTMX if htmx else {}).status_code == 403
    response = client.submit(f"/p/{own.id}/flag", {"reason": "spam"}, htmx=htmx)
    assert response.status_code == 403 and "You cannot flag your own post." in response.text


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_flagging_a_removed_or_missing_post(client, post, author, member, htmx):
    posts.delete_post(post, author)
    assert client.submit(f"/p/{post.id}/flag", {"reason": "spam"}, htmx=htmx).status_code == 409
    assert client.get("/p/999999/flag", headers=HTMX if htmx else {}).status_code == 404
    assert client.submit("/p/999999/flag", {"reason": "spam"}, htmx=htmx).status_code == 404


def test_guests_are_sent_to_sign_in_to_flag(client, post):
    page = client.get(f"/p/{post.id}/flag")
    assert page.status_code == 302 and page.location.startswith("/login")
    fragment = client.fragment(f"/p/{post.id}/flag")
    assert fragment.status_code == 401 and fragment.headers["HX-Redirect"].startswith("/login")
    assert client.submit(f"/p/{post.id}/flag", {"reason": "spam"}, htmx=True).status_code == 401


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_silenced_member_is_refused_and_nothing_is_written(client, post, member, moderator, htmx):
    sanctions.issue(moderator, member, SanctionRequest(kind="silence", reason="Cool off.", days=1))
    response = client.submit(f"/p/{post.id}/flag", {"reason": "spam"}, htmx=htmx)
    assert response.status_code == 403 and "silenced" in response.text
    assert db.session.scalar(db.select(db.func.count(Flag.id))) == 0


def test_the_flag_that_reaches_the_threshold_hides_the_post_on_the_thread_page(client, thread, post, member):
    flag_by(post, 2)
    client.submit(f"/p/{post.id}/flag", {"reason": "spam"})
    page = client.get(f"/t/{thread.id}-{thread.slug}").text
    assert "Buy cheap watches" not in page
    assert "Hidden until a moderator reviews it: several members flagged it." in page


# The review queue


def test_the_queue_as_page_shows_text_flags_notes_flaggers_and_counts(client, thread, post, signed_in_moderator):
    flaggers = [make_user(display_name=f"Flagger {n}") for n in range(3)]
    flags.flag_post(post, flaggers[0], "spam")
    flags.flag_post(post, flaggers[1], "other", "It links to a shop")
    flags.flag_post(post, flaggers[2], "off-topic")
    response = client.get("/mod")
    assert response.status_code == 200 and "<html" in response.text
    assert_varies(response)
    html = response.text
    assert f'id="queue-item-{post.id}"' in html
    assert "Buy cheap watches" in html  # staff see the text the flags hid
    assert "Hidden until reviewed: members flagged it." in html
    for expected in ("Spam", "Something else", "Off-topic", "It links to a shop", "Flagger 0", "Flagger 2"):
        assert expected in html
    assert "1 post to review" in html and "3 open flags" in html and "1 hidden until reviewed" in html
    assert 'href="/mod/appeals"' in html
    assert f'action="/mod/posts/{post.id}/dismiss" method="post"\n      data-hx-post="/mod/posts/{post.id}/dismiss"' in html


def test_the_queue_as_fragment_is_the_queue_alone(client, post, signed_in_moderator):
    flag_by(post, 1)
    response = client.fragment("/mod")
    assert response.status_code == 200
    assert_fragment(response, '<div id="queue" class="queue">')
    assert f'id="queue-item-{post.id}"' in response.text


def test_an_empty_queue_says_so(client, signed_in_moderator):
    assert "Nothing to review." in client.get("/mod").text


# Hide, restore, dismiss


def test_hide_as_page_redirects_to_the_queue_with_a_flash(client, post, signed_in_moderator):
    flag_by(post, 1)
    response = client.submit(f"/mod/posts/{post.id}/hide", {"reason": "Advertising"})
    assert response.status_code == 302 and response.location == "/mod"
    assert fresh(post).removal == "moderator" and open_flags(post) == 0
    page = client.get("/mod").text
    assert "The post is hidden." in page and "Nothing to review." in page
    assert len(mod_actions(action="hide")) == 1


def test_hide_from_a_thread_page_without_js_returns_to_the_post(client, thread, post, signed_in_moderator):
    page = client.get(f"/t/{thread.id}-{thread.slug}").text
    assert f'data-hx-post="/mod/posts/{post.id}/hide"' in page and f'id="hide-post-{post.id}-reason"' in page
    response = client.submit(f"/mod/posts/{post.id}/hide", {"reason": "Advertising", "next": f"/p/{post.id}"})
    assert response.status_code == 302 and response.location == f"/p/{post.id}"
    offsite = client.submit(f"/mod/posts/{make_reply(thread).id}/hide", {"reason": "x", "next": "//evil.example"})
    assert offsite.location == "/mod"


def test_hide_as_fragment_answers_with_the_entry_and_the_post(client, post, signed_in_moderator):
    flag_by(post, 1)
    response = client.submit(f"/mod/posts/{post.id}/hide", {"reason": "Advertising"}, htmx=True)
    assert response.status_code == 200
    assert_review_answer(response, post)
    html = response.text
    assert "Hidden by a moderator: Advertising" in html  # the entry, for /mod
    assert f'<article class="post post-removed" id="p{post.id}"' in html  # the post, for thread pages
    assert "Removed by a moderator: Advertising" in html
    assert f'data-hx-post="/mod/posts/{post.id}/restore"' in html  # undo is at hand
    assert "The post is hidden." in html


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_hide_without_a_reason_is_shown_again_with_its_error(client, post, signed_in_moderator, htmx):
    response = client.submit(f"/mod/posts/{post.id}/hide", {"reason": " "}, htmx=htmx)
    assert response.status_code == 422
    assert "Give a reason: it is shown in place of the post." in response.text
    assert 'aria-invalid="true"' in response.text
    assert ("<html" in response.text) is not htmx
    assert fresh(post).removal is None and mod_actions() == []


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_hiding_a_post_its_author_deleted_is_a_conflict(client, post, author, signed_in_moderator, htmx):
    posts.delete_post(post, author)
    response = client.submit(f"/mod/posts/{post.id}/hide", {"reason": "Advertising"}, htmx=htmx)
    assert response.status_code == 409 and "already removed" in response.text
    if htmx:
        assert response.headers["HX-Reswap"] == "none"
    assert fresh(post).removal == "author" and mod_actions() == []


def test_restore_as_page(client, post, signed_in_moderator):
    flag_by(post, 3)
    response = client.submit(f"/mod/posts/{post.id}/restore")
    assert response.status_code == 302 and response.location == "/mod"
    assert fresh(post).removal is None
    assert "The post is restored." in client.get("/mod").text
    assert len(mod_actions(action="restore")) == 1


def test_restore_as_fragment(client, post, signed_in_moderator):
    flag_by(post, 3)
    response = client.submit(f"/mod/posts/{post.id}/restore", htmx=True)
    assert response.status_code == 200
    assert_review_answer(response, post)
    assert "Shown to everyone." in response.text
    assert f'<article class="post" id="p{post.id}"' in response.text and "Buy cheap watches" in response.text


def test_restore_from_a_thread_page(client, thread, post, signed_in_moderator):
    flags.hide_post(signed_in_moderator, post, "Advertising")
    page = client.get(f"/t/{thread.id}-{thread.slug}").text
    assert f'data-hx-post="/mod/posts/{post.id}/restore"' in page
    response = client.submit(f"/mod/posts/{post.id}/restore", {"next": f"/p/{post.id}"})
    assert response.location == f"/p/{post.id}" and fresh(post).removal is None


def test_dismiss_as_page(client, post, signed_in_moderator):
    flag_by(post, 3)
    response = client.submit(f"/mod/posts/{post.id}/dismiss")
    assert response.status_code == 302 and response.location == "/mod"
    assert fresh(post).removal is None and open_flags(post) == 0
    assert "The flags are dismissed." in client.get("/mod").text
    assert len(mod_actions(action="dismiss_flags")) == 1


def test_dismiss_as_fragment(client, post, signed_in_moderator):
    flag_by(post, 2)
    response = client.submit(f"/mod/posts/{post.id}/dismiss", htmx=True)
    assert response.status_code == 200
    assert_review_answer(response, post)
    assert "0 open flags" in response.text and "flag-resolved" in response.text
    assert f"/mod/posts/{post.id}/dismiss" not in response.text  # nothing left to dismiss


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_dismiss_without_open_flags_is_a_conflict(client, post, signed_in_moderator, htmx):
    response = client.submit(f"/mod/posts/{post.id}/dismiss", htmx=htmx)
    assert response.status_code == 409 and "There are no open flags on this post." in response.text
    assert mod_actions() == []


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
@pytest.mark.parametrize("action", ["hide", "restore", "dismiss"])
def test_moderating_a_missing_post_is_404(client, signed_in_moderator, action, htmx):
    response = client.submit(f"/mod/posts/999999/{action}", {"reason": "x"}, htmx=htmx)
    assert response.status_code == 404


def test_staff_see_hide_controls_on_thread_pages(client, thread, post, signed_in_moderator):
    page = client.get(f"/t/{thread.id}-{thread.slug}").text
    assert page.count("Hide post") == 2  # the opening post and the reply


# Permissions: every route here, as a guest, a member and a moderator


def queue_routes(post):
    return [("GET", "/mod"), ("POST", f"/mod/posts/{post.id}/hide"), ("POST", f"/mod/posts/{post.id}/restore"),
            ("POST", f"/mod/posts/{post.id}/dismiss")]


def send(client, method, url, htmx):
    if method == "GET":
        return client.get(url, headers=HTMX if htmx else {})
    return client.submit(url, {"reason": "Advertising"}, htmx=htmx)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_guests_are_sent_to_sign_in_for_every_queue_route(client, post, htmx):
    flag_by(post, 3)
    for method, url in queue_routes(post):
        response = send(client, method, url, htmx)
        if htmx:
            assert response.status_code == 401, url
            assert response.headers["HX-Redirect"].startswith("/login"), url
        else:
            assert response.status_code == 302 and response.location.startswith("/login"), url
    assert fresh(post).removal == "flagged" and open_flags(post) == 3 and len(mod_actions()) == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_members_are_refused_every_queue_route(client, post, member, htmx):
    flag_by(post, 3)
    for method, url in queue_routes(post):
        response = send(client, method, url, htmx)
        assert response.status_code == 403, url
        assert "for the forum" in response.text, url
    assert fresh(post).removal == "flagged" and open_flags(post) == 3 and len(mod_actions()) == 1


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_staff_may_use_every_queue_route(client, post, role):
    client.sign_in(make_user(role=role))
    flag_by(post, 1)
    assert client.get("/mod").status_code == 200
    assert client.fragment("/mod").status_code == 200
    assert client.submit(f"/mod/posts/{post.id}/hide", {"reason": "Advertising"}, htmx=True).status_code == 200
    assert client.submit(f"/mod/posts/{post.id}/restore", htmx=True).status_code == 200
    flag_by(post, 1)
    assert client.submit(f"/mod/posts/{post.id}/dismiss").status_code == 302
    assert [a.action for a in mod_actions()] == ["hide", "restore", "dismiss_flags"]


def test_the_staff_header_links_the_queue_with_the_open_flag_count(app, client, thread, post, moderator):
    flag_by(post, 2)
    client.sign_in(moderator)
    page = client.get(f"/t/{thread.id}-{thread.slug}").text
    assert ('<a href="/mod" id="review-queue">Review <span class="count">2'
            '<span class="visually-hidden"> open flags</span></span></a>') in page
    flags.dismiss_flags(moderator, post)
    assert '<a href="/mod" id="review-queue">Review</a>' in client.get("/").text


def test_members_and_guests_pages_carry_no_review_link(app, client, thread, post):
    flag_by(post, 1)
    staff = app.test_client()
    staff.sign_in(make_user(role="moderator"))
    assert 'id="review-queue"' in staff.get("/").text
    for _ in range(2):  # the second answer comes from the guests' page cache
        guest = app.test_client().get("/")
        assert 'id="review-queue"' not in guest.text and 'href="/mod"' not in guest.text
    assert guest.headers[HEADER] == "hit"
    member = app.test_client()
    member.sign_in(make_user())
    assert 'id="review-queue"' not in member.get("/").text
