"""A thread page issues a fixed number of SQL queries, however many posts and authors it shows."""

from forum.extensions import db
from forum.members.service import preferences
from forum.models import Post, Thread
from forum.posts.service import reactions
from forum.posts.service.quoting import quote_markdown
from tests.factories import make_reply, make_thread, make_user


KINDS = ("like", "👍", "😂", "🎉")


def queries_for_thread_page(client, queries, posts, authors, guest=False):
    members = [make_user() for _ in range(authors)]
    thread = make_thread(author=members[0], body="opening")
    opening = db.session.scalars(db.select(Post).where(Post.thread_id == thread.id)).one()
    for n in range(1, posts):  # each reply quotes the opening post, written by a member the viewer ignores
        reply = make_reply(thread, author=members[n % authors], body=quote_markdown(opening) + f"reply {n}")
        for m, member in enumerate(members[:n % 3]):  # reactions of several kinds on most posts
            if member.id != reply.author_id:
                reactions.react(member, reply, KINDS[(n + m) % len(KINDS)])
    viewer = make_user()
    reactions.react(viewer, opening, "😂")  # the viewer's own reaction is shown pressed
    reacted = db.session.scalar(db.select(db.func.count()).where(Post.thread_id == thread.id, Post.reaction_count > 0))
    assert reacted > posts // 2
    if guest:
        return guest_queries(client, queries, f"/t/{thread.id}-{thread.slug}", posts, reacted)
    for member in members[:2]:
        preferences.ignore(viewer, member)
    preferences.set_watch_level(viewer, thread, "watching")
    client.sign_in(viewer)
    url = f"/t/{thread.id}-{thread.slug}"
    db.session.expunge_all()  # the request starts from an empty session, as in a real server
    queries.clear()
    page = client.get(url)
    assert page.status_code == 200 and page.text.count('<article class="post') == posts
    assert page.text.count('class="ignored-quote"') == posts - 1 and 'aria-pressed="true">Watching' in page.text
    assert page.text.count('<details class="reaction-tally"') == reacted
    assert 'aria-pressed="true"><span aria-hidden="true">😂</span>' in page.text
    return len(queries)


def guest_queries(client, queries, url, posts, reacted):
    db.session.expunge_all()
    queries.clear()
    page = client.get(url)
    assert page.status_code == 200 and page.text.count('<article class="post') == posts
    assert page.text.count('<details class="reaction-tally"') == reacted
    return len(queries)


def test_thread_page_query_count_does_not_grow_with_posts_or_authors(client, queries):
    small = queries_for_thread_page(client, queries, posts=2, authors=2)
    large = queries_for_thread_page(client, queries, posts=20, authors=20)
    assert small == large
    # the member with their own state (no sanction in force, their unread counts) and the site's version,
    # the thread with its category and the member's own there (their draft, how far they had read it, their
    # watch level, whether they ignore anyone), one page of posts with authors and answered posts, the
    # replies to these posts with the names of everyone the page names, which of them the member reacted to
    # and how (the counts are on the posts' rows), the one write that records what they have now read, and
    # whom they ignore and which quotes on the page are of them (asked only of a member who ignores someone,
    # as this one does). The posts' numbers in the thread (#12 in each header) come from the page's offset.
    assert large == 7


def test_a_guests_thread_page_query_count_does_not_grow_either(client, queries):
    small = queries_for_thread_page(client, queries, posts=2, authors=2, guest=True)
    large = queries_for_thread_page(client, queries, posts=20, authors=20, guest=True)
    # the page cache's version, the thread with its category, one page of posts with authors and answered
    # posts (with their reactions' counts), and the replies to these posts with the names of everyone the
    # page names (the posts' numbers come from the page's offset)
    assert small == large == 4


def test_rereading_an_unchanged_thread_writes_nothing(client, queries):
    queries_for_thread_page(client, queries, posts=3, authors=2)  # the first visit records the reading
    thread = db.session.scalars(db.select(Thread)).one()
    queries.clear()
    assert client.get(f"/t/{thread.id}-{thread.slug}").status_code == 200
    assert [q for q in queries if q.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))] == []
    assert len(queries) == 6


def test_thread_list_query_count_does_not_grow_with_threads(client, queries):
    def count(threads):
        for _ in range(threads):
            make_thread(author=make_user())
        queries.clear()
        assert client.get("/").status_code == 200
        return len(queries)

    assert count(2) == count(20)


def _message_pages(client, queries, conversations, messages, quoting=False):
    from forum.messages import service as messages_service
    from forum.messages.service.display import quote_of
    viewer = make_user()
    others = [make_user() for _ in range(3)]
    last = None
    for n in range(conversations):
        last = messages_service.start_conversation(others[n % 3], [viewer, others[(n + 1) % 3]], f"Talk {n}", "hi")
        message = None
        for m in range(messages):  # quoting: each quotes the one before, the member's quotes of an ignored one
            quoted = quote_of(message) if quoting and message is not None else ""
            message = messages_service.add_message(last, others[n % 3] if m % 2 else viewer, f"{quoted}message {m}")
    if quoting:
        preferences.ignore(viewer, others[(conversations - 1) % 3])
    last_id = last.id
    client.sign_in(viewer)
    client.get(f"/messages/{last_id}")  # read once: the count below is of a reread, which writes nothing
    db.session.expunge_all()
    queries.clear()
    assert client.get("/messages").status_code == 200
    inbox = len(queries)
    queries.clear()
    page = client.get(f"/messages/{last_id}")
    assert page.status_code == 200
    assert ('<details class="ignored-quote">' in page.text) is quoting
    return inbox, len(queries)


def test_inbox_and_conversation_query_counts_do_not_grow(client, queries):
    small = _message_pages(client, queries, conversations=2, messages=2)
    large = _message_pages(client, queries, conversations=12, messages=15)
    assert small == large
    # inbox: the member with their own state (sanctions, the header's count), how many conversations, the
    # page of them with unread counts, and who is in them. A conversation: the member with their state,
    # the conversation, the member's place in it, a page of messages with authors, and who is in it.
    assert large == (4, 5)


def test_a_conversation_of_quotes_costs_one_query_more_however_many(client, queries):
    """Quotes of members the reader ignores collapse: one query for the whole page, not one a quote."""
    small = _message_pages(client, queries, conversations=2, messages=4, quoting=True)
    large = _message_pages(client, queries, conversations=12, messages=15, quoting=True)
    assert small[1] == large[1] == 6


def test_an_established_members_record_is_counted_once_a_page(client, queries):
    """A member past the newcomers' days has their trust level worked out from their record (a count of
    their posts, what they read, flags on them): the thread page asked it twice, and for a busy member
    that count was the dearest statement of the page."""
    from datetime import timedelta

    from forum.models.base import utcnow

    thread = make_thread()
    member = make_user()
    member.created_at = utcnow() - timedelta(days=400)
    db.session.commit()
    make_reply(thread, author=member, body="An answer of mine.")
    url = f"/t/{thread.id}-{thread.slug}"
    client.sign_in(member)
    db.session.expunge_all()
    queries.clear()
    assert client.get(url).status_code == 200
    records = [statement for statement in queries if "count(" in statement and "posts.author_id" in statement]
    assert len(records) == 1, records  # and only as far as the member level's thresholds (tests/test_link_policy.py)


def _profile_queries(client, queries, posts):
    author = make_user(username=f"writer{posts}")
    thread = make_thread(author=author)
    for n in range(posts - 1):
        make_reply(thread, author=author, body=f"reply {n}")
    address = f"/u/{author.username}"
    db.session.expunge_all()
    counts = []
    for _ in range(2):
        queries.clear()
        page = client.get(address)
        assert page.status_code == 200 and f"· {posts} posts</p>" in page.text
        counts.append(len(queries))
    return tuple(counts)


def test_a_profile_is_counted_once_until_the_site_changes(client, queries):
    client.sign_in(make_user())
    client.get("/")
    small, large = _profile_queries(client, queries, posts=2), _profile_queries(client, queries, posts=12)
    # the reader with their own state (no sanction in force, their unread counts) and the site's version,
    # the member, whether the reader ignores them, how many posts and the latest ten; then, kept until the
    # site changes, all but the last two
    assert small == large == (5, 3)
