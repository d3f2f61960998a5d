"""Reading a thread: what is unread, landing on it, the "new" line, and the order posts are read in."""

import pytest

from forum.extensions import db
from forum.models import ThreadRead
from forum.posts.service import reactions
from tests.factories import make_reply, make_thread, make_user


@pytest.fixture
def small_pages(app):
    app.config["POSTS_PER_PAGE"] = 3
    return app


def thread_url(thread, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/t/{thread.id}-{thread.slug}" + (f"?{query}" if query else "")


def reading(member, thread):
    db.session.expire_all()
    return db.session.get(ThreadRead, (member.id, thread.id))


def test_reading_a_page_records_what_was_read_and_guests_record_nothing(client, small_pages):
    thread = make_thread(body="first")
    replies = [make_reply(thread, body=f"reply {n}") for n in range(4)]  # 5 posts: pages of 3, 2
    member = make_user()

    client.get(thread_url(thread))
    assert db.session.scalar(db.select(db.func.count()).select_from(ThreadRead)) == 0

    client.sign_in(member)
    client.get(thread_url(thread))
    state = reading(member, thread)
    assert (state.last_read_post_id, state.read_count) == (replies[1].id, 3)

    client.get(thread_url(thread, page=2))
    state = reading(member, thread)
    assert (state.last_read_post_id, state.read_count) == (replies[3].id, 5)

    client.get(thread_url(thread, page=1))  # going back never moves the mark backwards
    assert reading(member, thread).read_count == 5


def test_lists_show_unread_counts_and_link_to_the_first_unread_post(client, small_pages):
    member = make_user()
    thread = make_thread(title="Tomatoes", body="first")
    client.sign_in(member)
    client.get(thread_url(thread))
    assert "unread" not in client.get("/").text

    new = [make_reply(thread, body=f"new {n}") for n in range(2)]
    home = client.get("/")
    assert "2 unread" in home.text
    assert f'href="/t/{thread.id}/unread"' in home.text
    assert "2 unread" in client.fragment("/?page=1").text

    response = client.get(f"/t/{thread.id}/unread")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/t/{thread.id}-{thread.slug}#p{new[0].id}")


def test_opening_a_thread_with_new_posts_lands_on_the_first_of_them(client, small_pages):
    member = make_user()
    thread = make_thread(body="first")
    for n in range(3):
        make_reply(thread, body=f"old {n}")
    client.sign_in(member)
    client.get(thread_url(thread, page=2))  # read all four
    fresh = [make_reply(thread, body=f"fresh {n}") for n in range(3)]  # posts 5-7: pages 2 and 3

    assert f'class="thread-title" href="/t/{thread.id}/unread"' in client.get("/").text
    response = client.get(f"/t/{thread.id}/unread")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"?page=2#p{fresh[0].id}")

    page = client.get(response.headers["Location"])
    text = page.text
    assert text.index('id="new-posts"') < text.index(f'id="p{fresh[0].id}"')
    assert text.index("old 2") < text.index('id="new-posts"')  # the line sits between old and new
    assert text.count('id="new-posts"') == 1

    again = client.get(thread_url(thread, page=3))
    assert 'id="new-posts"' in again.text  # fresh 2 was still new when this page was opened
    assert client.get(thread_url(thread, page=3)).text.count('id="new-posts"') == 0  # now read
    all_read = client.get(f"/t/{thread.id}/unread")
    assert all_read.headers["Location"].endswith(f"/t/{thread.id}-{thread.slug}")
    home = client.get("/").text
    assert f'class="thread-title" href="/t/{thread.id}-{thread.slug}"' in home and "unread" not in home


def test_a_bare_thread_address_never_jumps_away(client, small_pages):
    """Links to a post on the first page (notifications, permalinks) use the bare address."""
    thread = make_thread(body="first")
    member = make_user()
    client.sign_in(member)
    client.get(thread_url(thread))
    make_reply(thread, body="later")
    assert client.get(thread_url(thread)).status_code == 200


def test_a_members_own_posts_are_never_unread_to_them(client):
    member = make_user()
    client.sign_in(member)
    response = client.submit("/new", {"category": make_thread().category.slug, "title": "My own thread",
                                      "body": "Hello from me."})
    assert response.status_code == 302
    own = client.get(response.headers["Location"].split("#")[0])
    assert "Hello from me." in own.text
    thread = make_thread(body="someone else's")
    client.get(thread_url(thread))
    assert client.submit(f"/t/{thread.id}/reply", {"body": "My answer."}, htmx=True).status_code == 201
    home = client.get("/").text
    assert "My own thread" in home and "unread" not in home


def test_a_member_who_never_opened_a_thread_sees_it_marked_new(client):
    member = make_user()
    client.sign_in(member)
    thread = make_thread(title="Brand new thread")
    assert "badge-new" in client.get("/").text
    client.get(thread_url(thread))
    assert "badge-new" not in client.get("/").text


@pytest.mark.parametrize("htmx", [False, True])
def test_posts_can_be_read_newest_first_or_with_the_most_reactions_first(client, htmx):
    author = make_user()
    thread = make_thread(author=author, body="the opening")
    middling = make_reply(thread, body="middling reply")
    loved = make_reply(thread, body="much loved reply")
    reactions.react(make_user(), loved, "like")
    reactions.react(make_user(), loved, "🎉")  # "top" counts every reaction, not only likes
    reactions.react(make_user(), middling, "like")
    get = client.fragment if htmx else client.get

    def order_of(text):
        posts = text[max(text.find("<main"), 0):]  # not the page's <head>, whose description quotes the opening
        return sorted(["the opening", "middling reply", "much loved reply"], key=posts.index)

    assert order_of(get(thread_url(thread)).text) == ["the opening", "middling reply", "much loved reply"]
    assert order_of(get(thread_url(thread, order="newest")).text) == [
        "much loved reply", "middling reply", "the opening"]
    assert order_of(get(thread_url(thread, order="top")).text) == [
        "much loved reply", "middling reply", "the opening"]
    assert get(thread_url(thread, order="sideways")).status_code == 200


def test_order_choice_is_in_the_links_and_the_composer_stays_with_oldest_first(client, small_pages):
    thread = make_thread(body="first")
    for n in range(4):
        make_reply(thread, body=f"reply {n}")
    client.sign_in(make_user())
    page = client.get(thread_url(thread, order="newest"))
    assert 'aria-current="page">Newest first' in page.text
    assert f'href="/t/{thread.id}-{thread.slug}?page=2&amp;order=newest"' in page.text
    assert 'id="reply-form"' not in page.text and "Go to the last page to reply" in page.text
    assert 'id="new-replies"' not in page.text  # live replies belong to the oldest-first last page

    last = client.get(thread_url(thread, page=2, order="oldest"))
    assert 'id="reply-form"' in last.text and 'id="new-replies"' in last.text


def test_reading_newest_first_or_most_liked_first_records_nothing(client, small_pages):
    thread = make_thread(body="first")
    for n in range(5):
        make_reply(thread, body=f"reply {n}")
    member = make_user()
    client.sign_in(member)
    client.get(thread_url(thread, order="newest"))
    client.get(thread_url(thread, order="top"))
    assert reading(member, thread) is None  # the posts in between were skipped, so nothing counts as read
    client.get(thread_url(thread))
    assert reading(member, thread).read_count == 3
