"""Newsroom moderation of the comments under articles (issue 17): each article's settings set by staff from
its thread (closed, closing after N days, pre-moderated, members-only reading), editors' picks, staff
badges, and the review queue filtered by article."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.admin.service import settings as saved_settings
from forum.database import write_transaction
from forum.embed import service as embed
from forum.extensions import db
from forum.models import Article, HeldPost, ModAction, Post
from forum.page_cache import HEADER
from forum.policy import WriteRefused
from forum.posts import service as posts
from tests.factories import make_category, make_reply, make_thread, make_user

PUBLISHER = "https://news.example"
APP_CONFIG = {"EMBED_ORIGINS": [PUBLISHER], "EMBED_CATEGORY": "articles"}
CLOSED = "Comments on this article are closed"


@pytest.fixture
def editor(app):
    make_category(slug="articles", name="Articles")
    return make_user(role="admin", username="editor", display_name="Ed Itor")


@pytest.fixture
def moderator(app):
    return make_user(role="moderator", username="morgan", display_name="Mo Derator")


@pytest.fixture
def member(app):
    return make_user(username="lou", display_name="Lou Reader")


def new_article(slug="budget-vote", title="The budget vote, explained"):
    return embed.start_article_thread(f"{PUBLISHER}/2026/{slug}", title)


@pytest.fixture
def article(editor):
    return new_article()


def thread_url(article):
    thread = db.session.get(Article, article.id).thread
    return f"/t/{thread.id}-{thread.slug}"


def embed_url(article):
    thread = db.session.get(Article, article.id).thread
    return f"/embed/t/{thread.id}-{thread.slug}"


def fresh(article) -> Article:
    db.session.expire_all()
    return db.session.get(Article, article.id)


def settings_form(**changes):
    form = {"comments": "open", "close_after_days": "", **changes}
    return {key: value for key, value in form.items() if value is not None}


def set_article(article, **values):
    with write_transaction() as session:
        current = session.get(Article, article.id)
        for name, value in values.items():
            setattr(current, name, value)


def logged(action):
    return db.session.scalar(select(func.count(ModAction.id)).where(ModAction.action == action))


# --- the settings, from the thread ---------------------------------------------------------------------

def test_only_staff_change_an_articles_settings(client, article, member):
    url = f"/mod/threads/{article.thread_id}/article"
    assert client.submit(url, settings_form(comments="closed")).status_code == 302  # a guest: to sign in
    client.sign_in(member)
    assert client.submit(url, settings_form(comments="closed")).status_code == 403
    assert client.submit(url, settings_form(comments="closed"), htmx=True).status_code == 403
    assert not fresh(article).closed
    assert 'action="/mod/threads/' not in client.get(thread_url(article)).text


def test_a_moderator_changes_them_with_a_log_line_for_each(client, article, moderator):
    client.sign_in(moderator)
    page = client.get(thread_url(article))
    assert "Comments on the article" in page.text and 'name="premoderated"' in page.text
    answer = client.submit(f"/mod/threads/{article.thread_id}/article",
                           settings_form(comments="closed", premoderated="1", close_after_days="14"))
    assert answer.status_code == 302 and answer.location.endswith(thread_url(article))
    current = fresh(article)
    assert (current.closed, current.premoderated, current.members_only, current.close_after_days) == (True, True, False, 14)
    assert logged("article:closed") == logged("article:premoderated") == logged("article:close_after") == 1
    assert logged("article:members_only") == 0
    # with htmx: the thread's status and tools again, saying what changed
    answer = client.submit(f"/mod/threads/{article.thread_id}/article",
                           settings_form(comments="open", premoderated="1", close_after_days="14", members_only="1"),
                           htmx=True)
    assert answer.status_code == 200 and answer.text.lstrip().startswith('<div id="thread-status"')
    assert "Members only: guests are asked to sign in" in answer.text and "Pre-moderated" in answer.text
    assert logged("article:opened") == logged("article:members_only") == 1 and logged("article:closed") == 1
    # the same again changes nothing, and says so
    again = client.submit(f"/mod/threads/{article.thread_id}/article",
                          settings_form(comments="open", premoderated="1", close_after_days="14", members_only="1"))
    assert again.status_code == 409 and "Nothing changed" in again.text


@pytest.mark.parametrize("days", ["-1", "two", "99999", "1.5"])
def test_a_bad_number_of_days_is_said_beside_the_field(client, article, moderator, days):
    client.sign_in(moderator)
    for htmx in (False, True):
        answer = client.submit(f"/mod/threads/{article.thread_id}/article", settings_form(close_after_days=days),
                               htmx=htmx)
        assert answer.status_code == 422
        assert 'id="article-close-after-error"' in answer.text and "Give a number of days" in answer.text
    assert fresh(article).close_after_days is None and logged("article:close_after") == 0


def test_a_thread_that_is_no_articles_has_no_settings(client, moderator):
    thread = make_thread(author=moderator)
    client.sign_in(moderator)
    assert client.submit(f"/mod/threads/{thread.id}/article", settings_form(comments="closed")).status_code == 404
    assert "Comments on the article" not in client.get(f"/t/{thread.id}-{thread.slug}").text


# --- closed -------------------------------------------------------------------------------------------

def reply_every_way(client, article, body):
    """A member's comment sent as the thread page's form, with htmx, and from the embed's composer."""
    thread_id = article.thread_id
    frame = client.get(embed_url(article))
    answers = [client.submit(f"/t/{thread_id}/reply", {"body": body + " (page)"}),
               client.submit(f"/t/{thread_id}/reply", {"body": body + " (htmx)"}, htmx=True)]
    if f'action="/t/{thread_id}/reply"' in frame.text:  # the embed's own form, when it offers one
        answers.append(client.submit(f"/t/{thread_id}/reply", {"body": body + " (embed)"}, htmx=True,
                                     headers={"HX-Current-URL": embed_url(article)}))
    return frame, answers


def _opening(article):
    return db.session.scalar(select(func.min(Post.id)).where(Post.thread_id == article.thread_id))


def post_count(article):
    return db.session.scalar(select(func.count(Post.id)).where(Post.thread_id == article.thread_id))


def test_closed_comments_take_no_comment_from_any_path(client, article, member):
    set_article(article, closed=True)
    client.sign_in(member)
    page = client.get(thread_url(article))
    assert f"{CLOSED}: no new comments." in page.text and 'id="reply-form"' not in page.text
    frame, answers = reply_every_way(client, article, "Too late")
    assert f"{CLOSED}: no new comments." in frame.text and f'action="/t/{article.thread_id}/reply"' not in frame.text
    own_page = client.get(f"/p/{_opening(article)}/reply")  # the reply page of its own (no JavaScript)
    assert f"{CLOSED}: no new comments." in own_page.text and 'id="reply-form"' not in own_page.text
    assert [answer.status_code for answer in answers] == [403, 403]
    assert all(CLOSED in answer.text for answer in answers)
    assert post_count(article) == 1
    with pytest.raises(WriteRefused):
        posts.add_reply(db.session.get(Article, article.id).thread, member, "Through the service")


def test_staff_may_still_comment_on_a_closed_article(client, article, moderator):
    set_article(article, closed=True)
    client.sign_in(moderator)
    assert client.submit(f"/t/{article.thread_id}/reply", {"body": "A correction from the newsroom."}).status_code == 302
    assert post_count(article) == 2


def test_comments_close_by_themselves_after_the_sites_days_unless_the_article_says_otherwise(app, client, article,
                                                                                              member):
    set_article(article, created_at=article.created_at - timedelta(days=10))
    client.sign_in(member)
    assert client.submit(f"/t/{article.thread_id}/reply", {"body": "Still open: never closes"}).status_code == 302
    app.config["EMBED_CLOSE_AFTER_DAYS"] = 7
    refused = client.submit(f"/t/{article.thread_id}/reply", {"body": "Closed a few days ago"})
    assert refused.status_code == 403 and CLOSED in refused.text
    assert "Comments are closed since" in client.get(thread_url(article)).text
    set_article(article, close_after_days=30)
    assert client.submit(f"/t/{article.thread_id}/reply", {"body": "This article's own 30 days"}).status_code == 302
    assert "Comments close " in client.get(thread_url(article)).text
    set_article(article, close_after_days=0)
    assert client.submit(f"/t/{article.thread_id}/reply", {"body": "This one never closes"}).status_code == 302
    assert post_count(article) == 4


# --- pre-moderated ------------------------------------------------------------------------------------

def test_every_comment_on_a_pre_moderated_article_is_held_whichever_way_it_comes(client, article, member):
    set_article(article, premoderated=True)
    client.sign_in(member)
    frame, answers = reply_every_way(client, article, "Held for a moderator")
    assert f'action="/t/{article.thread_id}/reply"' in frame.text  # the frame's composer is offered
    assert [answer.status_code for answer in answers] == [303, 201, 201]
    assert post_count(article) == 1
    held = list(db.session.scalars(select(HeldPost).where(HeldPost.thread_id == article.thread_id)))
    assert len(held) == 3 and {h.why for h in held} == {"article"}
    # its author sees theirs waiting; nobody else sees it
    assert "Waiting for a moderator" in client.get(thread_url(article)).text
    with pytest.raises(WriteRefused):
        posts.add_reply(db.session.get(Article, article.id).thread, member, "Through the service")
    assert post_count(article) == 1


def test_staff_comments_on_a_pre_moderated_article_are_published(client, article, moderator):
    set_article(article, premoderated=True)
    client.sign_in(moderator)
    assert client.submit(f"/t/{article.thread_id}/reply", {"body": "From the desk."}).status_code == 302
    assert post_count(article) == 2


def test_the_queue_filters_by_article_and_says_which_article_a_held_comment_is_on(client, editor, member, moderator):
    first, second = new_article("one", "First story"), new_article("two", "Second story")
    plain = make_thread(author=moderator, title="Not an article")
    set_article(first, premoderated=True)
    set_article(second, premoderated=True)
    client.sign_in(member)
    for article, body in ((first, "On the first"), (second, "On the second"), (second, "Again on the second")):
        assert client.submit(f"/t/{article.thread_id}/reply", {"body": body}).status_code == 303
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    client.sign_in(moderator)
    queue = client.get("/mod")
    assert queue.text.count('class="queue-item held-item"') == 3
    assert f'<option value="{second.id}">Second story (2)</option>' in queue.text
    assert f'<option value="{first.id}">First story (1)</option>' in queue.text
    assert "Not an article" not in queue.text  # only articles with comments waiting
    assert "its article is pre-moderated" in queue.text and "Under the article" in queue.text
    filtered = client.get(f"/mod?article={first.id}")
    assert filtered.text.count('class="queue-item held-item"') == 1 and "On the first" in filtered.text
    assert "On the second" not in filtered.text and "Only the comments held under" in filtered.text
    assert filtered.text.count(f'<input type="hidden" name="article" value="{first.id}">') == 2  # approve, reject
    held_id = db.session.scalar(select(HeldPost.id).where(HeldPost.thread_id == first.thread_id))
    approved = client.submit(f"/mod/held/{held_id}/approve", {"article": str(first.id)})
    assert approved.status_code == 303 and approved.location.endswith(f"/mod?article={first.id}")
    assert post_count(first) == 2
    after = client.get(approved.location)
    assert "Nothing is waiting under this article." in after.text
    assert f'<option value="{first.id}"' not in after.text  # no longer waiting
    assert client.get("/mod?article=junk").status_code == 404
    assert client.get("/mod?article=99999").status_code == 404
    assert plain.id


# --- members-only reading -----------------------------------------------------------------------------

def test_a_members_only_article_is_kept_from_guests_even_from_their_cached_pages(client, article, member):
    make_reply(db.session.get(Article, article.id).thread, member, "A comment for members.")
    for _ in range(2):  # kept for guests, then answered from the cache
        page = client.get(thread_url(article))
    assert page.status_code == 200 and page.headers[HEADER] == "hit"
    assert client.get("/embed/counts", query_string={"url": article.url}).json["counts"][article.url] == 1
    set_article(article, members_only=True)
    page = client.get(thread_url(article))
    assert page.status_code == 403 and "Sign in to read" in page.text and "A comment for members." not in page.text
    frame = client.get(embed_url(article))
    assert frame.status_code == 403 and "Sign in to read" in frame.text and "A comment for members." not in frame.text
    assert "frame-ancestors" in frame.headers["Content-Security-Policy"]
    assert PUBLISHER in frame.headers["Content-Security-Policy"]
    assert article.title not in client.get("/").text
    assert client.get(f"/t/{article.thread_id}/feed.atom").status_code == 403
    assert article.title not in client.get("/feeds/latest.atom").text
    assert "A comment for members." not in client.get("/search", query_string={"q": "comment members"}).text
    assert client.get("/embed/counts", query_string={"url": article.url}).json["counts"][article.url] == 0
    post_id = db.session.scalar(select(func.max(Post.id)).where(Post.thread_id == article.thread_id))
    assert client.get(f"/p/{post_id}").status_code == 403
    client.sign_in(member)
    page = client.get(thread_url(article)).text
    assert "A comment for members." in page and "feed.atom" not in page  # no feed a reader could follow
    assert "A comment for members." in client.get(embed_url(article)).text


def test_a_members_only_articles_posts_cannot_be_quoted_where_guests_read(client, article, member):
    thread = db.session.get(Article, article.id).thread
    secret = make_reply(thread, member, "Only for members.")
    set_article(article, members_only=True)
    elsewhere = make_thread(author=member)
    client.sign_in(member)
    answer = client.submit(f"/t/{elsewhere.id}/reply", {"body": f"> [Lou](/p/{secret.id}) wrote:\n> Only for members."})
    assert answer.status_code == 422 and "members-only" in answer.text


# --- editors' picks ------------------------------------------------------------------------------------

def test_only_staff_feature_a_comment(client, article, member):
    comment = make_reply(db.session.get(Article, article.id).thread, member, "Worth reading.")
    assert client.submit(f"/mod/posts/{comment.id}/feature").status_code == 302  # a guest: to sign in
    client.sign_in(member)
    assert client.submit(f"/mod/posts/{comment.id}/feature").status_code == 403
    assert client.submit(f"/mod/posts/{comment.id}/feature", htmx=True).status_code == 403
    assert client.post(f"/mod/posts/{comment.id}/feature").status_code in (400, 403)  # no CSRF token
    assert 'id="pick-' not in client.get(thread_url(article)).text
    assert db.session.get(Post, comment.id).featured_at is None


def test_without_a_csrf_token_a_moderator_features_nothing(client, article, member, moderator):
    comment = make_reply(db.session.get(Article, article.id).thread, member, "Worth reading.")
    client.sign_in(moderator)
    assert client.post(f"/mod/posts/{comment.id}/feature").status_code == 400
    assert db.session.get(Post, comment.id).featured_at is None


def test_a_moderator_features_a_comment_and_it_shows_first_in_the_embed(client, article, member, moderator):
    thread = db.session.get(Article, article.id).thread
    comment = make_reply(thread, member, "The best comment.")
    for n in range(3):
        make_reply(thread, member, f"Later comment {n}.")
    client.sign_in(moderator)
    page = client.get(thread_url(article))
    assert f'id="pick-{comment.id}"' in page.text and 'aria-pressed="false"' in page.text
    answer = client.submit(f"/mod/posts/{comment.id}/feature", htmx=True)
    assert answer.status_code == 200 and f'id="pick-{comment.id}"' in answer.text and 'aria-pressed="true"' in answer.text
    assert f"/mod/posts/{comment.id}/unfeature" in answer.text
    assert logged("feature_post") == 1
    frame = client.get(embed_url(article)).text
    picks = frame.index('class="editors-picks"')
    assert picks < frame.index(f'id="p{comment.id}"') < frame.index("Later comment 0.")
    assert frame.count(f'id="p{comment.id}"') == 1 and 'class="pick-label"' in frame
    # a plain form goes back to where it was sent from; featuring twice is refused
    assert client.submit(f"/mod/posts/{comment.id}/feature").status_code == 409
    back = client.submit(f"/mod/posts/{comment.id}/unfeature", {"next": thread_url(article)})
    assert back.status_code == 303 and back.location.endswith(thread_url(article))
    assert logged("unfeature_post") == 1 and 'class="editors-picks"' not in client.get(embed_url(article)).text


def test_a_comment_on_no_article_cannot_be_featured(client, moderator, member):
    thread = make_thread(author=member)
    reply = make_reply(thread, member)
    client.sign_in(moderator)
    assert client.submit(f"/mod/posts/{reply.id}/feature").status_code == 404
    assert 'id="pick-' not in client.get(f"/t/{thread.id}-{thread.slug}").text


def test_the_full_thread_has_a_paged_filter_of_the_picks(app, client, article, member, moderator):
    app.config["POSTS_PER_PAGE"] = 2
    thread = db.session.get(Article, article.id).thread
    comments = [make_reply(thread, member, f"Comment number {n}.") for n in range(5)]
    client.sign_in(moderator)
    assert "No editors’ picks yet." in client.get(f"{thread_url(article)}?order=picks").text
    for comment in (comments[0], comments[2], comments[4]):
        assert client.submit(f"/mod/posts/{comment.id}/feature").status_code == 303
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    page = client.get(thread_url(article))
    assert f'href="{thread_url(article)}?order=picks"' in page.text and "Editors’ picks" in page.text
    first = client.get(f"{thread_url(article)}?order=picks")
    assert first.status_code == 200
    assert "Comment number 0." in first.text and "Comment number 2." in first.text
    assert "Comment number 1." not in first.text and "Comment number 4." not in first.text
    assert 'aria-current="page">Editors’ picks' in first.text and "page=2" in first.text
    second = client.get(f"{thread_url(article)}?order=picks&page=2")
    assert "Comment number 4." in second.text and "Comment number 2." not in second.text
    assert client.get(f"{thread_url(article)}?order=picks&page=3").status_code == 404
    plain = make_thread(author=member)
    assert "Editors’ picks" not in client.get(f"/t/{plain.id}-{plain.slug}?order=picks").text


def test_a_guests_cached_embed_changes_when_a_pick_does(app, client, article, member, moderator):
    comment = make_reply(db.session.get(Article, article.id).thread, member, "Picked later.")
    client.sign_in(moderator)
    guest = app.test_client()
    for url in (embed_url(article), thread_url(article)):
        for _ in range(2):
            page = guest.get(url)
        assert page.headers[HEADER] == "hit" and 'class="pick-label"' not in page.text
    assert client.submit(f"/mod/posts/{comment.id}/feature").status_code == 303
    for url in (embed_url(article), thread_url(article)):
        page = guest.get(url)
        assert page.headers[HEADER] == "miss" and 'class="pick-label"' in page.text
    for _ in range(2):
        page = guest.get(embed_url(article))
    assert page.headers[HEADER] == "hit"
    assert client.submit(f"/mod/posts/{comment.id}/unfeature").status_code == 303
    page = guest.get(embed_url(article))
    assert page.headers[HEADER] == "miss" and 'class="pick-label"' not in page.text


# --- staff badges ---------------------------------------------------------------------------------------

def test_staff_replies_are_labelled_in_words_on_the_thread_and_in_the_embed(app, client, article, member, moderator):
    thread = db.session.get(Article, article.id).thread
    make_reply(thread, moderator, "Speaking for the newsroom.")
    make_reply(thread, member, "Speaking for myself.")
    badge = '<span class="staff-badge">Staff</span>'
    page = client.get(thread_url(article)).text
    # the editor's opening post and the moderator's reply; never the member's
    assert page.count(badge) == 2
    assert page.index("Mo Derator") < page.index(badge, page.index("Mo Derator")) < page.index("Speaking for the newsroom.")
    assert client.get(embed_url(article)).text.count(badge) == 1  # the frame leaves out the opening post
    # as an admin changes it at /admin/settings (the environment's value holds from a worker's start)
    admin = make_user(role="admin")
    saved_settings.save(admin, {"STAFF_BADGE_TITLE": "Newsroom"})
    assert '<span class="staff-badge">Newsroom</span>' in client.get(thread_url(article)).text
    saved_settings.save(admin, {"STAFF_BADGE_TITLE": ""})
    assert 'class="staff-badge"' not in client.get(thread_url(article)).text


def test_an_article_page_with_picks_and_staff_badges_costs_no_more_queries(client, queries, article, member,
                                                                          moderator):
    thread = db.session.get(Article, article.id).thread

    def count_for(replies):
        for n in range(replies):
            reply = make_reply(thread, moderator if n % 2 else member, f"Reply {n}.")
            with write_transaction() as session:
                session.get(Post, reply.id).featured_at = reply.created_at
        client.get(thread_url(article))  # read once: what follows is a reread
        queries.clear()
        assert client.get(thread_url(article)).status_code == 200
        return len(queries)

    client.sign_in(moderator)
    assert count_for(1) == count_for(8)


# --- valid HTML ---------------------------------------------------------------------------------------

def test_the_newsroom_pages_are_valid_html(client, article, member, moderator, tmp_path):
    from tests.test_valid_html import vnu_errors
    thread = db.session.get(Article, article.id).thread
    picked = make_reply(thread, moderator, "Picked, by staff.")
    make_reply(thread, member, "A member's comment.")
    members_only = new_article("secret", "For members")
    set_article(members_only, members_only=True)
    set_article(article, premoderated=True)
    client.sign_in(member)
    client.submit(f"/t/{article.thread_id}/reply", {"body": "Waiting under the article."})
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    pages = {"members-only frame (guest)": client.get(embed_url(members_only)).text,
             "members-only thread (guest)": client.get(thread_url(members_only)).text}
    client.sign_in(moderator)
    client.submit(f"/mod/posts/{picked.id}/feature")
    pages.update({
        "thread (moderator)": client.get(thread_url(article)).text,
        "picks (moderator)": client.get(f"{thread_url(article)}?order=picks").text,
        "frame (moderator)": client.get(embed_url(article)).text,
        "queue": client.get("/mod").text,
        "queue, one article": client.get(f"/mod?article={article.id}").text,
        "settings (refused)": client.submit(f"/mod/threads/{article.thread_id}/article",
                                            settings_form(close_after_days="x")).text,
    })
    client.submit(f"/mod/threads/{article.thread_id}/article", settings_form(comments="closed", close_after_days="3"))
    pages["thread, closed (moderator)"] = client.get(thread_url(article)).text
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    client.sign_in(member)
    pages["frame, closed (member)"] = client.get(embed_url(article)).text
    assert 'class="editors-picks"' in pages["frame (moderator)"] and "Sign in to read" in pages["members-only frame (guest)"]
    assert vnu_errors(pages, tmp_path) == []


def test_rejecting_from_the_filtered_queue_stays_in_it(client, article, member, moderator):
    set_article(article, premoderated=True)
    client.sign_in(member)
    for body in ("One to reject", "One to keep waiting"):
        client.submit(f"/t/{article.thread_id}/reply", {"body": body})
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    client.sign_in(moderator)
    first = db.session.scalar(select(func.min(HeldPost.id)).where(HeldPost.thread_id == article.thread_id))
    refused = client.submit(f"/mod/held/{first}/reject", {"reason": "", "article": str(article.id)}, htmx=True)
    assert refused.status_code == 422 and "Under the article" in refused.text
    refused = client.submit(f"/mod/held/{first}/reject", {"reason": "", "article": str(article.id)})
    assert refused.status_code == 422 and "Only the comments held under" in refused.text
    done = client.submit(f"/mod/held/{first}/reject", {"reason": "Off topic.", "article": str(article.id)})
    assert done.status_code == 303 and done.location.endswith(f"/mod?article={article.id}")
    assert "One to keep waiting" in client.get(done.location).text
