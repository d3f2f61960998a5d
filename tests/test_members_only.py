"""Members-only categories: guests learn such a category exists and are asked to sign in, but never see
its threads or posts; members read them like any other."""

import pytest

from tests.factories import make_category, make_reply, make_thread, make_user


@pytest.fixture
def lounge(app):
    category = make_category(slug="lounge", name="Lounge", members_only=True)
    thread = make_thread(category=category, title="Secret coffee plans", body="Meet at nine, lounge only.")
    reply = make_reply(thread, body="I will bring the lounge-only buns.")
    return category, thread, reply


@pytest.fixture
def public_thread(app):
    return make_thread(category=make_category(slug="open", name="Open"), title="Open talk", body="Anyone reads this.")


def thread_url(thread):
    return f"/t/{thread.id}-{thread.slug}"


def test_guest_lists_leave_out_members_only_threads(client, lounge, public_thread):
    home = client.get("/")
    assert "Open talk" in home.text
    assert "Secret coffee plans" not in home.text
    assert "Members only" in home.text  # the category is named in the sidebar, marked

    fragment = client.fragment("/?page=1")
    assert "Open talk" in fragment.text and "Secret coffee plans" not in fragment.text


@pytest.mark.parametrize("htmx", [False, True])
def test_guest_is_asked_to_sign_in_at_the_category_the_thread_and_a_post(client, lounge, htmx):
    category, thread, reply = lounge
    for url in ("/c/lounge", thread_url(thread), f"/t/{thread.id}", f"/p/{reply.id}"):
        response = client.fragment(url) if htmx else client.get(url)
        assert response.status_code == 403, url
        assert "Sign in" in response.text
        assert "lounge only" not in response.text and "Secret coffee plans" not in response.text
        if not htmx:
            assert "/login?next=" in response.text


def test_the_sign_in_link_brings_the_guest_back_to_the_thread(client, lounge):
    _, thread, _ = lounge
    member = make_user()
    page = client.get(thread_url(thread))
    assert f'href="/login?next={thread_url(thread)}"' in page.text
    client.sign_in(member)
    assert "Meet at nine, lounge only." in client.get(thread_url(thread)).text


def test_members_read_members_only_threads_everywhere(client, lounge, public_thread):
    category, thread, reply = lounge
    client.sign_in(make_user())
    assert "Secret coffee plans" in client.get("/").text
    assert "Secret coffee plans" in client.get("/c/lounge").text
    assert "Meet at nine" in client.get(thread_url(thread)).text
    assert client.get(f"/p/{reply.id}").status_code == 302


def test_a_profile_shows_members_only_posts_to_members_alone(client, lounge):
    _, thread, reply = lounge
    author = reply.author
    make_reply(make_thread(title="Open thread"), author=author, body="An open reply.")
    guest_view = client.get(f"/u/{author.username}")
    assert "Open thread" in guest_view.text and " · 1 post</p>" in guest_view.text
    assert "Secret coffee plans" not in guest_view.text

    client.sign_in(make_user())
    member_view = client.get(f"/u/{author.username}")
    assert "Secret coffee plans" in member_view.text and " · 2 posts</p>" in member_view.text


def test_a_guest_cannot_reply_or_quote_in_a_members_only_thread(client, lounge):
    _, thread, reply = lounge
    response = client.get(f"/p/{reply.id}/quote")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.submit(f"/t/{thread.id}/reply", {"body": "sneaky"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
