"""Likes: one per member and post, toggled, counted, as a page and as a fragment."""

import pytest

from forum.extensions import db
from forum.models import Post, PostLike
from forum.moderation.service import sanctions
from forum.moderation.service.sanctions import SanctionRequest
from tests.factories import make_reply, make_thread, make_user


@pytest.fixture
def post(app):
    return make_reply(make_thread(), author=make_user(), body="likeable")


def likes_of(post):
    return db.session.get(Post, post.id).like_count


def test_like_as_fragment_toggles_and_counts(client, post):
    client.sign_in(make_user())
    liked = client.submit(f"/p/{post.id}/like", htmx=True)
    assert liked.status_code == 200
    assert liked.text.lstrip().startswith(f'<div class="likes" id="like-{post.id}">')
    assert 'aria-pressed="true"' in liked.text and "1 like</span>" in liked.text
    assert "HX-Request-Type" in liked.headers["Vary"]
    unliked = client.submit(f"/p/{post.id}/like", htmx=True)
    assert 'aria-pressed="false"' in unliked.text and "like</span>" not in unliked.text
    assert likes_of(post) == 0 and db.session.scalar(db.select(db.func.count()).select_from(PostLike)) == 0


def test_like_as_page_redirects_back_to_the_post(client, post):
    client.sign_in(make_user())
    response = client.submit(f"/p/{post.id}/like")
    assert response.status_code == 302 and response.location.endswith(f"#p{post.id}")
    page = client.get(response.location.split("#")[0]).text
    assert 'aria-pressed="true"' in page and "1 like</span>" in page


def test_likes_from_several_members_add_up(app, post):
    for _ in range(3):
        member = app.test_client()
        member.sign_in(make_user())
        member.submit(f"/p/{post.id}/like")
    assert likes_of(post) == 3


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_own_posts_cannot_be_liked(client, post, htmx):
    client.sign_in(post.author)
    assert client.submit(f"/p/{post.id}/like", htmx=htmx).status_code == 403
    assert likes_of(post) == 0


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_silenced_member_cannot_like(client, post, htmx):
    member = make_user()
    sanctions.issue(make_user(role="admin"), member, SanctionRequest(kind="silence", reason="cool off", days=1))
    client.sign_in(member)
    assert client.submit(f"/p/{post.id}/like", htmx=htmx).status_code == 403
    assert likes_of(post) == 0


def test_guests_are_sent_to_sign_in(client, post):
    assert client.submit(f"/p/{post.id}/like").status_code == 302
    assert client.submit(f"/p/{post.id}/like", htmx=True).status_code == 401
    assert likes_of(post) == 0
