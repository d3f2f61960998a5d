"""A thread page issues a fixed number of SQL queries, however many posts and authors it shows."""

from forum.extensions import db
from tests.factories import make_reply, make_thread, make_user


def queries_for_thread_page(client, queries, posts, authors):
    members = [make_user() for _ in range(authors)]
    thread = make_thread(author=members[0], body="opening")
    for n in range(1, posts):
        make_reply(thread, author=members[n % authors], body=f"reply {n}")
    viewer = make_user()
    client.sign_in(viewer)
    url = f"/t/{thread.id}-{thread.slug}"
    db.session.expunge_all()  # the request starts from an empty session, as in a real server
    queries.clear()
    page = client.get(url)
    assert page.status_code == 200 and page.text.count('class="post"') == posts
    return len(queries)


def test_thread_page_query_count_does_not_grow_with_posts_or_authors(client, queries):
    small = queries_for_thread_page(client, queries, posts=2, authors=2)
    large = queries_for_thread_page(client, queries, posts=20, authors=20)
    assert small == large
    # the member, their sanction notices, their unread notifications, their draft, the thread with
    # its category, one page of posts with authors and answered posts, the names of everyone in
    # the thread, the replies to these posts, which of them the member likes
    assert large == 9


def test_thread_list_query_count_does_not_grow_with_threads(client, queries):
    def count(threads):
        for _ in range(threads):
            make_thread(author=make_user())
        queries.clear()
        assert client.get("/").status_code == 200
        return len(queries)

    assert count(2) == count(20)
