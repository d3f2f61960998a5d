"""A member is not offered what would be refused: a silence, suspension or ban hides "New thread",
"Start a thread" and the composer; a thread ban puts its notice where that thread's composer would
be; guests are asked to sign in, not shown a primary "Start a thread"."""

import pytest

from forum.moderation.service import sanctions
from forum.moderation.service.sanctions import SanctionRequest
from tests.factories import make_reply, make_thread, make_user

NEW_THREAD_BUTTON = 'class="button" href="/new'


def issue(member, kind, **extra):
    admin = make_user(role="admin")
    return sanctions.issue(admin, member, SanctionRequest(kind=kind, reason="Heated words.", **extra))


def pages(client, thread):
    return client.get("/").text, client.get(f"/t/{thread.id}-{thread.slug}").text


def test_a_member_in_good_standing_is_offered_everything(client):
    thread = make_thread()
    client.sign_in(make_user())
    index, page = pages(client, thread)
    assert NEW_THREAD_BUTTON in index and ">Start a thread</a>" in index and ">New thread</a>" in index
    assert 'id="reply-form"' in page


@pytest.mark.parametrize("kind, what", [("silence", "silenced"), ("suspension", "suspended"), ("ban", "banned")])
def test_a_read_only_member_is_offered_no_composer_and_no_new_thread(client, kind, what):
    thread, member = make_thread(), make_user()
    issue(member, kind, days=None if kind == "ban" else 2)
    client.sign_in(member)  # a suspended or banned member may sign in, to read and appeal
    index, page = pages(client, thread)
    assert NEW_THREAD_BUTTON not in index and NEW_THREAD_BUTTON not in page
    assert ">Start a thread</a>" not in index and ">New thread</a>" not in page
    assert 'id="reply-form"' not in page and f"You cannot reply while your account is {what}" in page
    assert 'id="no-reply"' in page and "Heated words." in page and "/u/" + member.username + "/standing" in page


def test_a_thread_ban_shows_its_notice_where_that_threads_composer_would_be(client):
    heated, calm, member = make_thread(title="Heated"), make_thread(title="Calm"), make_user()
    issue(member, "thread_ban", thread_id=heated.id, days=3)
    client.sign_in(member)
    index, page = pages(client, heated)
    assert 'id="reply-form"' not in page and "You cannot reply in this thread until" in page
    composer = page[page.index('id="reply-heading"'):]
    assert "Heated words." in composer and "Your standing and appeal" in composer
    assert 'id="reply-form"' in pages(client, calm)[1]  # everywhere else is as usual
    assert NEW_THREAD_BUTTON in index


def test_guests_are_asked_to_sign_in_not_offered_start_a_thread(client):
    thread = make_thread()
    index, page = pages(client, thread)
    assert NEW_THREAD_BUTTON not in index and ">Start a thread</a>" not in index
    assert ">Sign in to start a thread</a>" in index
    assert ">Sign in to reply</a>" in page and 'id="reply-form"' not in page


@pytest.mark.parametrize("kind", ["silence", "thread_ban"])
def test_the_reply_page_of_a_post_offers_no_composer_either(client, kind):
    thread, member = make_thread(), make_user()
    issue(member, kind, days=2, **({"thread_id": thread.id} if kind == "thread_ban" else {}))
    client.sign_in(member)
    post = make_reply(thread, body="Something worth answering.")
    page = client.get(f"/p/{post.id}/reply?quote=1").text
    assert 'id="reply-form"' not in page and 'id="no-reply"' in page and "Heated words." in page


def test_the_new_thread_page_offers_no_form_to_a_read_only_member(client):
    member = make_user()
    issue(member, "silence", days=2)
    client.sign_in(member)
    page = client.get("/new").text
    assert "<h1>Start a thread</h1>" in page and 'name="title"' not in page
    assert "You cannot start a thread while your account is silenced until" in page and "Heated words." in page


def post_controls(page: str, post) -> str:
    """The action bar of one post on a page."""
    article = page[page.index(f'id="p{post.id}"'):]
    return article[article.index('class="post-actions"'):article.index("</footer>")]


@pytest.mark.parametrize("kind", ["silence", "suspension", "ban"])
def test_a_read_only_members_posts_offer_no_reply_quote_like_edit_delete_or_flag(client, kind):
    thread, member = make_thread(), make_user()
    others = make_reply(thread, body="Someone else's view.")
    own = make_reply(thread, author=member, body="My own words.")
    client.sign_in(member)
    before = client.get(f"/t/{thread.id}-{thread.slug}").text
    for label in (">Reply</a>", ">Quote</a>", ">Like</button>", ">Flag</a>"):
        assert label in post_controls(before, others)
    assert ">Edit</a>" in post_controls(before, own) and ">Delete</button>" in post_controls(before, own)
    issue(member, kind, days=None if kind == "ban" else 2)
    client.sign_in(member)  # a suspension or ban signed them out; they may sign in to read and appeal
    page = client.get(f"/t/{thread.id}-{thread.slug}").text
    for post in (others, own):
        controls = post_controls(page, post)
        for label in (">Reply</a>", ">Quote</a>", ">Like</button>", ">Flag</a>", ">Edit</a>", ">Delete</button>"):
            assert label not in controls, (label, post.body)


def test_a_thread_ban_takes_reply_and_quote_from_that_threads_posts_only(client):
    heated, calm, member = make_thread(title="Heated"), make_thread(title="Calm"), make_user()
    there, elsewhere = make_reply(heated, body="Hot take."), make_reply(calm, body="Cool take.")
    issue(member, "thread_ban", thread_id=heated.id, days=3)
    client.sign_in(member)
    controls = post_controls(client.get(f"/t/{heated.id}-{heated.slug}").text, there)
    assert ">Reply</a>" not in controls and ">Quote</a>" not in controls
    assert ">Like</button>" in controls and ">Flag</a>" in controls  # a thread ban stops replies, not these
    controls = post_controls(client.get(f"/t/{calm.id}-{calm.slug}").text, elsewhere)
    assert ">Reply</a>" in controls and ">Quote</a>" in controls


def test_the_list_offers_one_primary_new_thread_button(client):
    """The header's "New thread" is the page's primary action; the list's "Start a thread" is secondary."""
    make_thread()
    client.sign_in(make_user())
    index = client.get("/").text
    assert index.count(NEW_THREAD_BUTTON) == 1 and ">New thread</a>" in index
    assert '<a class="button secondary" href="/new">Start a thread</a>' in index


def test_what_stops_a_member_writing_is_asked_once_a_page_not_once_a_post(app, client, monkeypatch):
    """The posts of a page share the answer (Conversation.blocked): the page's own questions (the
    header, the composer) stay, whatever the number of posts."""
    from forum.posts.service import display
    asked = []
    real = display.write_blocker
    monkeypatch.setattr(display, "write_blocker", lambda *args, **kw: asked.append("convo") or real(*args, **kw))
    monkeypatch.setitem(app.jinja_env.globals, "write_blocker",
                        lambda *args, **kw: asked.append("template") or real(*args, **kw))
    member = make_user()
    client.sign_in(member)

    def asked_for(replies):
        thread = make_thread()
        for _ in range(replies):
            make_reply(thread)
        asked.clear()
        client.get(f"/t/{thread.id}-{thread.slug}")
        return list(asked)

    few, many = asked_for(1), asked_for(15)
    assert few == many and few.count("convo") == 1
