"""Ignoring a member: no notifications from them, and their posts and quotes of them collapse."""

import re

import pytest

from forum.extensions import db
from forum.members.service import preferences
from forum.models import Ignore, Notification, User
from forum.posts import service as posts
from forum.posts.service.collapse import OPENING, collapse_quotes
from forum.posts.service.quoting import quote_markdown
from forum.posts.service.render import render_body
from forum.refusals import Refusal
from tests.factories import make_reply, make_thread, make_user


@pytest.fixture
def lou(app):
    return make_user(username="lou_d", display_name="Lou Dobbs")


@pytest.fixture
def troll(app):
    return make_user(username="troll", display_name="Tro Ll")


def kinds_for(user):
    return sorted(db.session.scalars(db.select(Notification.kind).where(Notification.user_id == user.id)))


def ignored_by(user):
    return set(db.session.scalars(db.select(Ignore.ignored_id).where(Ignore.user_id == user.id)))


def thread_url(thread):
    return f"/t/{thread.id}-{thread.slug}"


# Notifications


def test_an_ignored_member_cannot_notify_by_mention_reply_quote_or_watched_thread(lou, troll):
    thread = make_thread()
    original = make_reply(thread, author=lou, body="my point")
    preferences.ignore(lou, troll)
    preferences.set_watch_level(lou, thread, "watching")
    posts.add_reply(thread, troll, "hi @lou_d")
    posts.add_reply(thread, troll, "answering", parent_id=original.id)
    posts.add_reply(thread, troll, quote_markdown(original) + "quoting")
    assert kinds_for(lou) == []
    someone = make_user()
    posts.add_reply(thread, troll, "and @" + someone.username)  # others still hear from them
    posts.add_reply(thread, make_user(), "hi @lou_d")
    assert kinds_for(someone) == ["mention"] and kinds_for(lou) == ["mention"]


def test_a_member_appointed_to_staff_is_heard_again(lou, troll):
    preferences.ignore(lou, troll)
    db.session.get(User, troll.id).role = "moderator"
    db.session.commit()
    posts.add_reply(make_thread(), troll, "hi @lou_d")
    assert kinds_for(lou) == ["mention"]


def test_nobody_ignores_themselves_or_staff(lou):
    with pytest.raises(Refusal, match="yourself"):
        preferences.ignore(lou, lou)
    with pytest.raises(Refusal, match="cannot be ignored"):
        preferences.ignore(lou, make_user(role="moderator"))
    assert ignored_by(lou) == set()


def test_ignoring_twice_keeps_one_row_and_unignoring_removes_it(lou, troll):
    preferences.ignore(lou, troll)
    preferences.ignore(lou, troll)
    assert ignored_by(lou) == {troll.id}
    preferences.unignore(lou, troll)
    assert ignored_by(lou) == set()


# The thread page


def test_the_ignorers_thread_page_collapses_the_post_and_quotes_of_it(app, client, lou, troll):
    thread = make_thread()
    bad = make_reply(thread, author=troll, body="something rude")
    quoting = make_reply(thread, body=quote_markdown(bad) + "quoting the troll")
    preferences.ignore(lou, troll)
    client.sign_in(lou)
    page = client.get(thread_url(thread)).text
    article = page[page.index(f'id="p{bad.id}"'):]
    assert re.match(rf'id="p{bad.id}" data-author="Tro Ll">\s*<details class="ignored-post">'
                    '<summary>Post by an ignored member <span class="show-hint">— Show</span></summary>', article)
    assert f'class="post post-ignored" id="p{bad.id}"' in page
    assert "something rude" in article  # still there, one click away
    theirs = page[page.index(f'id="p{quoting.id}"'):]
    assert theirs.index('<details class="ignored-quote">') < theirs.index(f'data-quote="{bad.id}"')
    assert "quoting the troll" in theirs and 'class="post" id="p' in page  # the rest shows as usual

    other = app.test_client()
    other.sign_in(make_user())
    seen = other.get(thread_url(thread)).text
    assert "ignored-post" not in seen and "ignored-quote" not in seen
    assert "ignored" not in client.fragment(f"/p/{make_reply(thread).id}").text


def test_a_post_fragment_collapses_too(client, lou, troll):
    thread = make_thread()
    bad = make_reply(thread, author=troll, body="rude")
    preferences.ignore(lou, troll)
    client.sign_in(lou)
    fragment = client.fragment(f"/p/{bad.id}").text
    assert '<details class="ignored-post">' in fragment and "<html" not in fragment


def test_staff_posts_never_collapse(client, lou, troll):
    thread = make_thread()
    post = make_reply(thread, author=troll, body="words")
    preferences.ignore(lou, troll)
    db.session.get(User, troll.id).role = "admin"
    db.session.commit()
    client.sign_in(lou)
    page = client.get(thread_url(thread)).text
    assert "ignored-post" not in page and f'<article class="post" id="p{post.id}"' in page


def test_collapsing_wraps_only_the_chosen_quotes_and_changes_nothing_else():
    body = ("> [A](/p/5) wrote:\n> outer, with <blockquote data-quote=\"7\"> typed as text\n>\n"
            "> > [B](/p/7) wrote:\n> > inner\n>\n> after\n\n> [C](/p/7) wrote:\n> second\n\ntail")
    html = render_body(body).html
    collapsed = str(collapse_quotes(html, {7}))
    assert collapsed.count(OPENING) == 2 and collapsed.replace(OPENING, "").replace("</details>", "") == html
    inner = collapsed.index('<blockquote class="quote" data-quote="7">')
    assert collapsed[inner - len(OPENING):inner] == OPENING  # the real quote, not the text lookalike
    assert re.search(r"inner</p>\n</blockquote></details>\n<p>after</p>", collapsed)  # its own closing tag
    outer = str(collapse_quotes(html, {5, 7}))
    assert outer.count(OPENING) == 2 and outer.startswith(OPENING)  # nested in a collapsed quote: once
    assert str(collapse_quotes(html, {9})) == html


# The control on profiles, and the routes


def test_the_profile_offers_ignore_to_other_members_only(app, client, lou, troll):
    assert "Ignore</button>" not in client.get("/u/troll").text  # guests
    client.sign_in(lou)
    assert (f'<button type="submit" class="secondary" id="ignore-button-{troll.id}">Ignore</button>'
            in client.get("/u/troll").text)
    own = client.get("/u/lou_d").text
    assert "Ignore</button>" not in own and 'href="/settings/ignored"' in own
    moderator = make_user(username="mod_m", role="moderator")
    staff = client.get(f"/u/{moderator.username}").text
    assert "Ignore</button>" not in staff and "Moderators and admins cannot be ignored" in staff


def test_ignoring_as_a_page_goes_back_to_the_profile(client, lou, troll):
    client.sign_in(lou)
    response = client.submit("/u/troll/ignore")
    assert response.status_code == 302 and response.location == "/u/troll"
    assert ignored_by(lou) == {troll.id}
    page = client.get("/u/troll").text
    assert "Stop ignoring</button>" in page and "You now ignore Tro Ll." in page


def test_ignoring_as_a_fragment_answers_with_the_control(client, lou, troll):
    client.sign_in(lou)
    response = client.submit("/u/troll/ignore", htmx=True)
    assert response.status_code == 200 and "HX-Request-Type" in response.headers["Vary"]
    assert response.text.lstrip().startswith(f'<div class="ignore-control" id="ignore-{troll.id}">')
    assert 'action="/u/troll/unignore"' in response.text and "Stop ignoring</button>" in response.text
    assert 'id="flash"' in response.text and "<html" not in response.text
    undone = client.submit("/u/troll/unignore", htmx=True)
    assert undone.status_code == 200 and "Ignore</button>" in undone.text and "Stop ignoring" not in undone.text
    assert ignored_by(lou) == set()


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_ignoring_yourself_or_staff_is_422_with_a_reason(client, lou, htmx):
    make_user(username="admin_a", role="admin")
    client.sign_in(lou)
    yourself = client.submit("/u/lou_d/ignore", htmx=htmx)
    assert yourself.status_code == 422 and "You cannot ignore yourself." in yourself.text
    staff = client.submit("/u/admin_a/ignore", htmx=htmx)
    assert staff.status_code == 422 and "cannot be ignored" in staff.text
    assert client.submit("/u/nobody_here/ignore", htmx=htmx).status_code == 404
    assert ignored_by(lou) == set()


@pytest.mark.parametrize("url", ["/u/troll/ignore", "/u/troll/unignore"])
def test_guests_and_forged_requests_are_refused(client, lou, troll, url):
    assert client.submit(url).status_code == 302
    fragment = client.submit(url, htmx=True)
    assert fragment.status_code == 401 and fragment.headers["HX-Redirect"].startswith("/login")
    client.sign_in(lou)
    assert client.post(url, data={}).status_code == 400  # no CSRF token
    assert ignored_by(lou) == set()


def test_the_ignored_list_as_page_and_fragment(client, lou, troll):
    assert client.get("/settings/ignored").status_code == 302  # guests sign in first
    client.sign_in(lou)
    assert "You ignore nobody." in client.get("/settings/ignored").text
    preferences.ignore(lou, troll)
    page = client.get("/settings/ignored").text
    assert "<h1>Members you ignore</h1>" in page and "<bdi>Tro Ll</bdi>" in page
    assert 'action="/u/troll/unignore"' in page and 'name="next" value="/settings/ignored"' in page
    fragment = client.fragment("/settings/ignored")
    assert fragment.text.lstrip().startswith('<div id="ignored-list">') and "<html" not in fragment.text
    assert "HX-Request-Type" in fragment.headers["Vary"]


def test_unignoring_from_the_list(client, lou, troll):
    preferences.ignore(lou, troll)
    client.sign_in(lou)
    response = client.submit("/u/troll/unignore", {"next": "/settings/ignored"})
    assert response.status_code == 302 and response.location == "/settings/ignored"
    assert "You ignore nobody." in client.get("/settings/ignored").text
    preferences.ignore(lou, troll)
    undone = client.submit("/u/troll/unignore", {"next": "/settings/ignored"}, htmx=True)
    assert "Ignore</button>" in undone.text and 'name="next" value="/settings/ignored"' in undone.text
    assert client.submit("/u/troll/ignore", {"next": "https://evil.example/"}).location == "/u/troll"
