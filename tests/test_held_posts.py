"""New members' posts held for a moderator (NEW_MEMBER_POST_REVIEW): what is held, who sees it (its author
and staff only: never a list, a count, search, a feed, a notification, a quote or a guest's cached page),
and the moderators' approve, reject and reject-and-suspend."""

import json

import pytest

from forum.extensions import db
from forum.page_cache import HEADER
from forum.models import HeldPost, ModAction, Notification, Post, Sanction, SiteState, Thread
from forum.moderation.service import held as review
from forum.posts.service import held
from forum.refusals import Conflict, FieldError, Forbidden
from forum.settings import BY_NAME
from forum.database import write_transaction
from forum.models import User
from tests.factories import PASSWORD, make_category, make_thread, make_user
from tests.mail_server import text_of

APP_CONFIG = {"NEW_MEMBER_POST_REVIEW": "hold"}
SECRET = "Zanzibarquokka"  # a word only the held post has


@pytest.fixture
def newcomer(app):
    return make_user(username="newbie", display_name="Nina Newbie")


@pytest.fixture
def regular(app):
    return make_user(username="regular", display_name="Rita Regular")


@pytest.fixture
def moderator(app):
    return make_user(username="morgan", display_name="Mo Derator", role="moderator")


@pytest.fixture
def thread(regular):
    return make_thread(author=regular, category=make_category(slug="general", name="General"),
                       title="Talk about birds", body="Which birds visit your garden?")


def hold_reply(client, newcomer, thread, body=f"{SECRET}! @regular look at this", **kwargs):
    client.sign_in(newcomer)
    response = client.submit(f"/t/{thread.id}/reply", {"body": body}, **kwargs)
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    return response


def waiting():
    return list(db.session.scalars(db.select(HeldPost).where(HeldPost.decided_at.is_(None))))


def shown(page: str, url: str) -> bool:
    """True when the page shows nothing of the held post (a search page repeats the word searched for)."""
    return "look at this" not in page if url.startswith("/search") else SECRET not in page


def pages_version():
    return db.session.scalar(db.select(SiteState.pages_version))


def test_the_choice_is_a_site_setting_on_the_admin_page(client, app):
    setting = BY_NAME["NEW_MEMBER_POST_REVIEW"]
    assert setting.kind == "choice" and {value for value, _ in setting.choices} == {"publish", "links", "hold"}
    admin = make_user(role="admin")
    client.sign_in(admin)
    page = client.get("/admin/settings")
    assert page.status_code == 200 and 'name="new_member_post_review"' in page.text
    assert "Held until a moderator approves them" in page.text


@pytest.mark.parametrize("mode, body, is_held", [
    ("publish", "See https://example.com", False),
    ("links", "No link in here", False),
    ("links", "See https://example.com", True),
    ("links", "See [this](https://example.com)", True),
    ("hold", "No link in here", True),
])
def test_the_setting_decides_which_new_members_posts_wait(app, client, newcomer, thread, mode, body, is_held):
    app.config["NEW_MEMBER_POST_REVIEW"] = mode
    hold_reply(client, newcomer, thread, body=body)
    assert (len(waiting()) == 1) is is_held
    assert db.session.get(Thread, thread.id).post_count == (1 if is_held else 2)


def test_established_members_and_staff_are_never_held(app, client, thread, moderator, regular):
    app.config["NEW_MEMBER_MIN_DAYS"] = 0
    app.config["NEW_MEMBER_MIN_POSTS"] = 1  # regular opened the thread: established
    hold_reply(client, regular, thread, body="Established")
    hold_reply(client, moderator, thread, body="Staff")
    assert waiting() == [] and db.session.get(Thread, thread.id).post_count == 3


def test_a_held_reply_is_shown_to_its_author_marked_waiting_and_to_nobody_else(client, newcomer, regular, thread):
    response = hold_reply(client, newcomer, thread)
    [waiting_post] = waiting()
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#held-{waiting_post.id}")
    url = f"/t/{thread.id}-{thread.slug}"
    client.sign_in(newcomer)
    page = client.get(url).text
    assert SECRET in page and "Waiting for a moderator" in page and f'id="held-{waiting_post.id}"' in page
    assert client.get("/held").text.count(SECRET) == 1
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    assert SECRET not in client.get(url).text  # a guest
    client.sign_in(regular)
    assert SECRET not in client.get(url).text
    assert SECRET not in client.get("/held").text


def test_a_held_reply_answers_htmx_with_itself_marked_and_a_fresh_composer(client, newcomer, thread):
    response = hold_reply(client, newcomer, thread, htmx=True)
    assert response.status_code == 201
    assert '<hx-partial hx-target="#posts" hx-swap="beforeend">' in response.text
    assert "Waiting for a moderator" in response.text and SECRET in response.text
    assert 'id="reply-form"' in response.text and 'class="post"' not in response.text


def test_the_same_form_sent_twice_is_held_once(client, newcomer, thread):
    client.sign_in(newcomer)
    data = {"body": "Twice", "request_key": "same-key-123"}
    client.submit(f"/t/{thread.id}/reply", data)
    again = client.submit(f"/t/{thread.id}/reply", data, htmx=True)
    assert again.status_code == 201 and "hx-target=\"#posts\"" not in again.text
    assert len(waiting()) == 1


def test_a_held_post_never_appears_in_lists_search_feeds_notifications_or_guest_pages(app, client, newcomer, regular,
                                                                                     moderator, thread):
    thread_url = f"/t/{thread.id}-{thread.slug}"
    guest_pages = ["/", "/c/general", thread_url, "/feeds/latest.atom", "/c/general/feed.atom",
                   f"/t/{thread.id}/feed.atom", f"/search?q={SECRET}", "/u/newbie"]
    guest = app.test_client()
    for url in guest_pages:
        guest.get(url)  # the guest page cache is warm
    version = pages_version()
    hold_reply(client, newcomer, thread)
    # Holding is no public change: guests' cached pages stay as they were (the held post is not on them).
    assert pages_version() == version
    for url in guest_pages:
        page = guest.get(url)
        assert shown(page.text, url), url
        assert "Nina Newbie" not in page.text or url == "/u/newbie", url  # not as a thread's last poster
        if not url.startswith(("/search", "/feeds", "/c/general/feed", f"/t/{thread.id}/feed")):
            assert page.headers[HEADER] == "hit", url
    # Counts and last post: the thread still has one post, by its opener.
    current = db.session.get(Thread, thread.id)
    assert current.post_count == 1 and current.last_post_at == thread.last_post_at
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 1
    # Nobody is notified, nor can find it, nor quote it: it is no post.
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 0
    for member in (regular, moderator):
        client.sign_in(member)
        for url in [*guest_pages, "/notifications"]:
            assert shown(client.get(url).text, url), (member.username, url)
        client.post("/logout", data={"csrf_token": client.csrf_token()})
    [waiting_post] = waiting()
    client.sign_in(moderator)
    assert SECRET in client.get("/mod").text  # staff see it in the review queue


def test_a_held_thread_stays_out_of_every_list_until_approved(client, newcomer, moderator):
    make_category(slug="general", name="General")
    client.sign_in(newcomer)
    response = client.submit("/new", {"category": "general", "title": "Cheap watches here",
                                      "body": f"{SECRET} watches"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/held")
    assert db.session.scalar(db.select(db.func.count(Thread.id))) == 0
    mine = client.get("/held").text
    assert "Cheap watches here" in mine and "Waiting for a moderator" in mine
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    for url in ["/", "/c/general", "/feeds/latest.atom", f"/search?q={SECRET}"]:
        assert "Cheap watches" not in client.get(url).text, url
    [waiting_thread] = waiting()
    decided = review.approve(moderator, waiting_thread)
    thread = db.session.get(Thread, decided.post.thread_id)
    assert thread.title == "Cheap watches here" and thread.post_count == 1 and thread.author_id == newcomer.id
    assert "Cheap watches here" in client.get("/").text


def test_approving_publishes_the_reply_in_its_thread_and_only_then_notifies(client, newcomer, regular, moderator,
                                                                            thread):
    hold_reply(client, newcomer, thread)
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 0
    client.sign_in(moderator)
    [waiting_post] = waiting()
    response = client.submit(f"/mod/held/{waiting_post.id}/approve")
    assert response.status_code == 303
    post = db.session.scalar(db.select(Post).where(Post.author_id == newcomer.id))
    assert SECRET in post.body_html
    current = db.session.get(Thread, thread.id)
    assert current.post_count == 2 and current.last_post_at == post.created_at
    assert db.session.get(HeldPost, waiting_post.id).post_id == post.id
    [note] = db.session.scalars(db.select(Notification))
    assert (note.user_id, note.kind, note.post_id) == (regular.id, "mention", post.id)
    assert db.session.scalar(db.select(ModAction).where(ModAction.action == "approve_held")).target_id == post.id
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    assert SECRET in client.get(f"/t/{thread.id}-{thread.slug}").text  # guests' cache moved on
    assert "look at this" in client.get(f"/search?q={SECRET}").text  # and search finds it now
    with pytest.raises(Conflict):
        review.approve(moderator, db.session.get(HeldPost, waiting_post.id))


def test_rejecting_needs_a_reason_and_shows_it_to_the_author_alone(client, newcomer, moderator, thread):
    hold_reply(client, newcomer, thread)
    [waiting_post] = waiting()
    client.sign_in(moderator)
    refused = client.submit(f"/mod/held/{waiting_post.id}/reject", {"reason": "  "})
    assert refused.status_code == 422 and "Give a reason: its author reads it." in refused.text
    assert 'aria-invalid="true"' in refused.text
    response = client.submit(f"/mod/held/{waiting_post.id}/reject", {"reason": "Advertising is not allowed."})
    assert response.status_code == 303 and waiting() == []
    assert SECRET not in client.get("/mod").text
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 1
    assert db.session.scalar(db.select(ModAction).where(ModAction.action == "reject_held")).target_id == newcomer.id
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    client.sign_in(newcomer)
    mine = client.get("/held").text
    assert "Rejected by a moderator" in mine and "Advertising is not allowed." in mine
    assert SECRET not in client.get(f"/t/{thread.id}-{thread.slug}").text  # no longer waiting on the page


def choose_mail(member, choice):
    with write_transaction() as session:
        session.get(User, member.id).email_notifications = choice


def test_rejecting_mails_its_author_the_reason_when_they_take_email(client, newcomer, moderator, thread, smtp_server):
    choose_mail(newcomer, "daily")
    hold_reply(client, newcomer, thread)
    [waiting_post] = waiting()
    client.sign_in(moderator)
    client.submit(f"/mod/held/{waiting_post.id}/reject", {"reason": "Advertising is not allowed."})
    text = text_of(smtp_server.last_to(newcomer.email))
    assert "Advertising is not allowed." in text and "Talk about birds" in text
    assert "/held" in text and "/settings/email" in text and SECRET in text  # what they wrote, so nothing is lost


def test_rejecting_mails_nobody_whose_email_is_off(client, newcomer, moderator, thread, smtp_server):
    choose_mail(newcomer, "off")
    hold_reply(client, newcomer, thread)
    [waiting_post] = waiting()
    client.sign_in(moderator)
    assert client.submit(f"/mod/held/{waiting_post.id}/reject", {"reason": "Spam."}).status_code == 303
    assert smtp_server.messages == []


def test_with_htmx_approving_swaps_the_item_alone_and_focuses_it(client, newcomer, moderator, thread):
    hold_reply(client, newcomer, thread)
    [waiting_post] = waiting()
    client.sign_in(moderator)
    page = client.get("/mod").text
    assert f'data-hx-post="/mod/held/{waiting_post.id}/approve"' in page
    assert f'data-hx-target="#held-item-{waiting_post.id}"' in page
    answer = client.submit(f"/mod/held/{waiting_post.id}/approve", htmx=True)
    assert answer.status_code == 200 and "HX-Request" in answer.headers["Vary"]
    post = db.session.scalar(db.select(Post).where(Post.author_id == newcomer.id))
    item = answer.text.split('<div id="flash"')[0]
    assert item.lstrip().startswith(f'<article class="queue-item held-item held-decided" id="held-item-{waiting_post.id}"')
    assert 'tabindex="-1" autofocus' in item and f'href="/p/{post.id}"' in item and "<html" not in answer.text
    assert "The post is approved and published." in answer.text  # #flash, out of band
    assert '<span id="held-queue-count">0</span>' in answer.text  # the queue's count, and the header's
    assert '<hx-partial hx-target="#account-nav"' in answer.text and 'id="review-queue">Review</a>' in answer.text


def test_with_htmx_a_refused_rejection_comes_back_in_place_and_a_rejection_swaps_the_item(client, newcomer,
                                                                                          moderator, thread):
    hold_reply(client, newcomer, thread)
    [waiting_post] = waiting()
    client.sign_in(moderator)
    refused = client.submit(f"/mod/held/{waiting_post.id}/reject", {"reason": " "}, htmx=True)
    assert refused.status_code == 422 and "<html" not in refused.text
    assert refused.text.lstrip().startswith(f'<article class="queue-item held-item" id="held-item-{waiting_post.id}"')
    assert 'aria-invalid="true"' in refused.text and "autofocus" in refused.text
    done = client.submit(f"/mod/held/{waiting_post.id}/reject", {"reason": "Off topic."}, htmx=True)
    assert done.status_code == 200 and "Rejected, for the reason “Off topic.”" in done.text and waiting() == []
    again = client.submit(f"/mod/held/{waiting_post.id}/approve", htmx=True)
    assert again.status_code == 409 and "already rejected" in again.text and again.headers["HX-Reswap"] == "none"


def test_reject_and_suspend_rejects_all_their_waiting_posts_and_suspends_them(client, newcomer, moderator, thread):
    hold_reply(client, newcomer, thread, body="First spam")
    hold_reply(client, newcomer, thread, body="Second spam")
    first, _second = waiting()
    client.sign_in(moderator)
    response = client.submit(f"/mod/held/{first.id}/reject", {"reason": "Spam.", "suspend": "1"})
    assert response.status_code == 303 and waiting() == []
    sanction = db.session.scalar(db.select(Sanction).where(Sanction.user_id == newcomer.id))
    assert sanction.kind == "suspension" and sanction.reason == "Spam." and sanction.ends_at is not None
    assert {a.action for a in db.session.scalars(db.select(ModAction))} >= {"reject_held", "sanction:suspension"}


def test_only_staff_decide_and_never_on_their_own_post(app, client, newcomer, regular, moderator, thread):
    hold_reply(client, newcomer, thread)
    [waiting_post] = waiting()
    client.sign_in(regular)
    assert client.submit(f"/mod/held/{waiting_post.id}/approve").status_code in (403, 404)
    assert client.get("/mod").status_code in (403, 404)
    assert waiting() == [waiting_post]
    with pytest.raises(FieldError):
        review.reject(moderator, waiting_post, "")
    with pytest.raises(Forbidden):
        review.approve(newcomer, waiting_post)


def test_is_new_member_is_the_one_question(app, newcomer, moderator):
    assert held.is_new_member(newcomer) and not held.is_new_member(moderator)


def test_the_staff_header_counts_held_posts_with_the_open_flags(client, newcomer, moderator, thread):
    hold_reply(client, newcomer, thread)
    client.sign_in(moderator)
    assert ('<a href="/mod" id="review-queue">Review <span class="count">1'
            '<span class="visually-hidden"> held post</span></span></a>') in client.get("/").text


def test_a_members_held_posts_are_in_their_export_and_go_with_their_account(client, newcomer, thread):
    hold_reply(client, newcomer, thread)
    client.sign_in(newcomer)
    exported = json.loads(client.submit("/settings/data/export").text)
    assert [item["body"] for item in exported["held_posts"]] == [f"{SECRET}! @regular look at this"]
    deleted = client.submit("/settings/data/delete", {"posts": "remove", "password": PASSWORD})
    assert deleted.status_code in (302, 303)
    assert db.session.scalar(db.select(db.func.count(HeldPost.id))) == 0


def test_a_held_reply_never_comes_in_the_live_updates(client, newcomer, regular, moderator, thread):
    """The live "new replies" poll shows posts, and a held reply is none: no reader gets it from there,
    not staff, and not its author either, who saw it marked waiting in the answer to their reply and
    sees it at the end of the thread's page (a poll that asked for it would cost every reader a query)."""
    opening = db.session.scalar(db.select(Post.id).where(Post.thread_id == thread.id))
    hold_reply(client, newcomer, thread)
    for member in (regular, moderator, newcomer):
        client.sign_in(member)
        count = client.fragment(f"/t/{thread.id}/new-replies?after={opening}&seen=0")
        posts = client.fragment(f"/t/{thread.id}/new-replies/posts?after={opening}")
        assert count.status_code == 200 and posts.status_code == 200, member.username
        assert SECRET not in count.text + posts.text and "new repl" not in count.text, member.username
        client.post("/logout", data={"csrf_token": client.csrf_token()})
    client.sign_in(newcomer)
    assert SECRET in client.get(f"/t/{thread.id}-{thread.slug}").text  # the author's own page shows it
