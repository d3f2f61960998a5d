"""A post guests may read cannot quote, directly or inside another quote, a post from a members-only
category: the quote would show guests what the category keeps from them. The text is kept."""

import pytest

from forum.extensions import db
from forum.models import Category, Post
from forum.posts import service as posts
from forum.posts.service.quoting import quote_markdown
from forum.threads import service as threads
from tests.factories import make_category, make_reply, make_thread, make_user

REFUSAL = "This quotes a post from a members-only category. Quote it there, or take the quote out."


@pytest.fixture
def lounge(app):
    return make_category(slug="lounge", name="Lounge", members_only=True)


@pytest.fixture
def secret(lounge):
    thread = make_thread(category=lounge, title="Lounge plans", body="Where do we meet?")
    return make_reply(thread, body="The key is under the blue flowerpot.")


@pytest.fixture
def public(app):
    return make_thread(title="Open talk", body="Anyone may read this.")


@pytest.fixture
def member(client):
    user = make_user()
    client.sign_in(user)
    return user


def post_count() -> int:
    return db.session.scalar(db.select(db.func.count(Post.id)))


def quoting(post, words="My own words on it.") -> str:
    return quote_markdown(db.session.get(Post, post.id)) + words


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_quoting_a_members_only_post_into_a_public_thread_is_refused_and_the_text_kept(
        client, secret, public, member, htmx):
    before = post_count()
    response = client.submit(f"/t/{public.id}/reply", {"body": quoting(secret)}, htmx=htmx)
    assert response.status_code == 422
    assert f'id="reply-body-error">{REFUSAL}</p>' in response.text and 'aria-invalid="true"' in response.text
    assert "My own words on it." in response.text and f"](/p/{secret.id}) wrote:" in response.text
    assert ("<html" in response.text) is not htmx
    assert post_count() == before


def test_a_members_only_post_quoted_inside_another_quote_is_refused_too(client, lounge, public, member):
    # Written while the thread was public; its category became members-only since.
    open_then = make_category(slug="was-open", name="Was open")
    thread = make_thread(category=open_then, title="Once open", body="Hello.")
    original = make_reply(thread, body="The plan for the surprise party.")
    echo = posts.add_reply(public, make_user(), quoting(original, "Sounds fun!"))
    db.session.get(Category, open_then.id).members_only = True
    db.session.commit()

    response = client.submit(f"/t/{public.id}/reply", {"body": quoting(echo, "Me too.")}, htmx=True)
    assert response.status_code == 422 and REFUSAL in response.text


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_an_edit_that_adds_such_a_quote_is_refused_and_keeps_the_post(client, secret, public, member, htmx):
    mine = make_reply(public, author=member, body="Nothing to see.")
    response = client.submit(f"/p/{mine.id}/edit", {"body": quoting(secret), "version": "1"}, htmx=htmx)
    assert response.status_code == 422
    assert REFUSAL in response.text and "My own words on it." in response.text
    assert db.session.get(Post, mine.id).body == "Nothing to see."


def test_a_new_public_thread_quoting_a_members_only_post_is_refused(client, secret, member):
    public_category = make_category(slug="open", name="Open")
    before = post_count()
    with pytest.raises(posts.QuoteRefused):
        threads.start_thread(member, public_category, "Leaked", quoting(secret))
    response = client.submit("/new", {"category": "open", "title": "Leaked", "body": quoting(secret)})
    assert response.status_code == 422 and REFUSAL in response.text
    assert 'value="Leaked"' in response.text and 'id="body-error"' in response.text  # beside the field
    assert "My own words on it." in response.text  # what was typed comes back
    assert post_count() == before


def test_quoting_within_members_only_threads_still_works(client, lounge, secret, member):
    other = make_thread(category=lounge, title="More lounge talk", body="Hi.")
    for thread in (secret.thread, other):
        response = client.submit(f"/t/{thread.id}/reply", {"body": quoting(secret)})
        assert response.status_code == 302
    assert threads.start_thread(member, lounge, "Lounge again", quoting(secret)).id


def test_quoting_a_public_post_into_a_members_only_thread_still_works(client, lounge, public, member):
    said = make_reply(public, body="Public words anyone may read.")
    lounge_thread = make_thread(category=lounge, title="Lounge", body="Hi.")
    response = client.submit(f"/t/{lounge_thread.id}/reply", {"body": quoting(said)}, htmx=True)
    assert response.status_code == 201
    mine = make_reply(public, author=member, body="Plain.")
    assert client.submit(f"/p/{mine.id}/edit", {"body": quoting(said), "version": "1"}).status_code == 302
