"""Search reads posts as the page shows them: a quote of a post removed since, or of a member who
deleted their account, is found no more than it is read; and deleted members are not authors to
filter by."""

import re

import pytest

from forum.extensions import db
from forum.account import service as account
from forum.models import Post
from forum.moderation.service import flags
from forum.posts import service as posts
from forum.posts.service.quoting import quote_markdown
from tests.factories import PASSWORD, make_reply, make_thread, make_user


def search(client, q, **args) -> str:
    response = client.get("/search", query_string={"q": q, **args})
    assert response.status_code == 200, response.text
    return response.text[response.text.index('<div id="search-results"'):].split("</section>")[0]


def excerpts(found: str) -> list[str]:
    return re.findall(r'<p class="search-excerpt">(.*?)</p>', found, re.S)


def as_guest_and_member(client):
    """Run the block's checks as a guest, then as a member who has nothing to do with the posts."""
    yield
    client.sign_in(make_user())
    yield


@pytest.fixture
def quoted(app):
    """Ann writes about a flamingo; Ben quotes her in his own words; Cy quotes Ben (Ann nested)."""
    ann, ben, cy = make_user(), make_user(), make_user()
    thread = make_thread(title="Zoo visit", body="Where shall we go?")
    hers = make_reply(thread, author=ann, body="The flamingo enclosure is my secret favourite.")
    his = posts.add_reply(thread, ben, quote_markdown(hers) + "Mine is the reptile house.")
    cys = posts.add_reply(thread, cy, quote_markdown(db.session.get(Post, his.id)) + "Penguins for me.")
    return {"ann": ann, "hers": hers, "his": his, "cys": cys}


def test_quotes_are_found_while_the_quoted_post_is_there(client, quoted):
    found = search(client, "flamingo")
    assert "3 results for" in found
    assert all("<mark>flamingo</mark>" in excerpt for excerpt in excerpts(found))


def test_a_post_its_author_deleted_is_not_found_through_the_posts_quoting_it(client, quoted):
    posts.delete_post(quoted["hers"], quoted["ann"])
    for _ in as_guest_and_member(client):
        assert "0 results for" in search(client, "flamingo")
        assert "0 results for" in search(client, "secret favourite")
        reptiles = search(client, "reptile")  # the quoting posts are still found by their own words,
        assert "2 results for" in reptiles and f'href="/p/{quoted["his"].id}"' in reptiles
        # …and their excerpts read as the page does: the quote (nested in Cy's) collapsed.
        assert all("deleted by its author." in excerpt for excerpt in excerpts(reptiles))
        assert "flamingo" not in reptiles


def test_a_post_a_moderator_hid_is_not_found_through_quotes_until_restored(client, quoted):
    moderator = make_user(role="moderator")
    flags.hide_post(moderator, quoted["hers"], "Off topic.")
    for _ in as_guest_and_member(client):
        assert "0 results for" in search(client, "flamingo")
        assert "Removed by a moderator: Off topic." in excerpts(search(client, "penguins"))[0]
    client.sign_in(moderator)
    assert "0 results for" in search(client, "flamingo")  # staff read it in the queue, not in search

    flags.restore_post(moderator, quoted["hers"])
    assert "3 results for" in search(client, "flamingo")


def test_a_deleted_members_name_is_not_found_in_quotes_of_them(client):
    rhonda = make_user(username="rhonda", display_name="Rhonda Birdwhistle")
    thread = make_thread(title="Bridge vote", body="Vote here.")
    hers = make_reply(thread, author=rhonda, body="The old bridge should stay.")
    posts.add_reply(thread, make_user(), quote_markdown(hers) + "I agree with her.")
    assert "1 result for" in search(client, "Birdwhistle")

    account.delete_account(rhonda, PASSWORD, keep_posts=True)

    assert "0 results for" in search(client, "Birdwhistle")
    kept = search(client, "old bridge")  # her words stay, as she chose, under "deleted member"
    assert "2 results for" in kept
    assert any(excerpt.startswith("deleted member wrote:") for excerpt in excerpts(kept))


def test_a_deleted_member_is_no_author_to_filter_by(client):
    rhonda = make_user(username="rhonda", display_name="Rhonda Bird")
    make_thread(author=rhonda, title="Heron sightings", body="A heron by the weir.")
    assert "2 results for" in search(client, "heron", author="rhonda")

    account.delete_account(rhonda, PASSWORD, keep_posts=True)

    found = search(client, "heron", author="rhonda")
    assert "No member is called “rhonda”." in found and "0 results for" in found
    assert "2 results for" in search(client, "heron")  # the kept words are still found
