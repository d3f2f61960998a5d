"""A page of a thread's posts kept whole for plain readers (forum/threads/views/kept_pages.py): the next
plain reader reads none of its posts, and anyone who sees the page otherwise — named on it, reacting to
it, ignoring someone, under a sanction, staff — never gets another member's page, even when nothing has
changed the site since it was kept. The rest of a plain reader's page (its head, watch control, links and
composer) is kept too, with each reader's own watch level, draft and token. What changes the site is
tested with every post kept (tests/test_post_html_cache.py, whose members are plain readers)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.database import write_transaction
from forum.embed import service as embed
from forum.members.service import preferences
from forum.models import Article, SiteSetting, SiteState
from forum.moderation.service import sanctions
from forum.moderation.service.sanctions import SanctionRequest
from forum.auth.service import accounts
from forum.extensions import db
from forum.posts.service import articles, drafts, reactions
from forum.threads.views.kept_pages import KeptPage
from tests.factories import make_category, make_reply, make_thread, make_user
from tests.test_post_html_cache import address, first_post, page, posts_of, sign_in

APP_CONFIG = {"PAGE_CACHE_SECONDS": 0, "EMBED_ORIGINS": ["https://news.example"], "EMBED_CATEGORY": "articles"}


@pytest.fixture
def opal():
    return make_user(username="opal", display_name="Opal Quist")


@pytest.fixture
def thread(opal):
    thread = make_thread(author=opal, title="Kept pages", body="The first words.")
    make_reply(thread, author=make_user(username="rhys", display_name="Rhys Evans"), body="A first answer.")
    return thread


def reader(app, username, **values):
    client = app.test_client()
    member = make_user(username=username, **values)
    sign_in(client, member)
    return client, member


def version():
    db.session.rollback()
    return db.session.scalar(select(SiteState.pages_version))


def kept_pages(app) -> int:
    return sum(isinstance(entry, KeptPage) for entry, _ in app.extensions["post_html"]._entries.values())


def kept_bodies(app) -> int:
    return sum(key[0] == "thread body" for key in app.extensions["post_html"]._entries)


def kept_by_a_plain_reader(app, thread) -> str:
    """A plain member reads the page, which is then kept; the site's version as it was kept."""
    client, _ = reader(app, "plain")
    before = kept_pages(app)
    assert client.get(address(thread)).status_code == 200
    assert kept_pages(app) == before + 1
    return version()


def test_the_next_plain_reader_reads_none_of_the_pages_posts(app, thread, queries):
    client, _ = reader(app, "next")
    kept = kept_by_a_plain_reader(app, thread)
    url = address(thread)
    queries.clear()
    assert client.get(url).status_code == 200
    assert not [statement for statement in queries if "posts.body_html" in statement], queries
    # the member with their own state, the thread with theirs there (and the site's version), the one
    # write that records what they have now read; no post has a reaction, so none of theirs is asked
    assert len(queries) == 3, "\n\n".join(queries)
    text = page(app, client, thread)  # and it is what rendering the page afresh gives
    assert "The first words." in text and "A first answer." in text
    assert version() == kept


def test_a_reader_named_on_the_page_sees_their_own_name_and_controls(app, thread):
    client, lou = reader(app, "lou", display_name="Lou Daniels")
    accounts.update_profile(lou, "Lou Daniels", "short")
    make_reply(thread, author=lou, body="My own answer.")
    kept = kept_by_a_plain_reader(app, thread)
    text = page(app, client, thread)
    assert version() == kept
    assert "Lou Daniels" in posts_of(text) and "/edit" in posts_of(text)


def test_a_reader_who_reacted_sees_their_reaction_pressed(app, thread):
    client, mara = reader(app, "mara")
    reactions.react(mara, first_post(thread), "like")
    kept = kept_by_a_plain_reader(app, thread)
    text = page(app, client, thread)
    assert version() == kept
    assert 'aria-pressed="true"' in posts_of(text)


def test_a_reader_who_ignores_the_author_gets_the_posts_collapsed(app, thread, opal):
    client, mara = reader(app, "mara")
    kept = kept_by_a_plain_reader(app, thread)
    preferences.ignore(mara, opal)  # their own choice: the site's pages do not change
    assert version() == kept
    assert "post-ignored" in page(app, client, thread)


@pytest.mark.parametrize("kind", ["silence", "thread_ban"])
def test_a_sanctioned_reader_is_offered_no_control_the_sanction_takes(app, thread, kind):
    client, mara = reader(app, "mara")
    sanctions.issue(make_user(role="moderator"), mara, SanctionRequest(
        kind=kind, reason="Cool off.", days=1, thread_id=thread.id if kind == "thread_ban" else None))
    kept = kept_by_a_plain_reader(app, thread)
    text = posts_of(page(app, client, thread))
    assert version() == kept
    assert "reply-action" not in text
    assert ("like-button" in text) == (kind == "thread_ban")


def test_staff_get_their_tools(app, thread):
    client, _ = reader(app, "molly", role="moderator")
    kept = kept_by_a_plain_reader(app, thread)
    text = page(app, client, thread)
    assert version() == kept
    assert "Sanction author" in text


def test_the_new_posts_line_is_each_readers_own(app, thread):
    client, mara = reader(app, "mara")
    assert client.get(address(thread)).status_code == 200  # mara has read the two posts
    third = make_reply(thread, body="A third post.")
    kept_by_a_plain_reader(app, thread)  # has read nothing before: no line for them
    text = client.get(address(thread)).text
    assert re.search(r'<p class="new-posts-line"[^>]*>New since your last visit</p>\s*<article[^>]+id="p'
                     + str(third.id) + '"', text)
    assert text.count("new-posts-line") == 1


def test_another_page_or_order_is_kept_apart(app, thread):
    client, _ = reader(app, "mara")
    kept_by_a_plain_reader(app, thread)
    newest = posts_of(client.get(address(thread) + "?order=newest").text)
    assert newest.index("A first answer.") < newest.index("The first words.")
    assert kept_pages(app) == 2


def test_a_page_seen_in_a_readers_own_way_is_not_kept_for_others(app, thread):
    lou_client, lou = reader(app, "lou", display_name="Lou Daniels")
    accounts.update_profile(lou, "Lou Daniels", "short")
    make_reply(thread, author=lou, body="My own answer.")
    reactions.react(lou, first_post(thread), "like")
    plain_client, _ = reader(app, "plain")
    kept = version()
    assert "Lou Daniels" in posts_of(lou_client.get(address(thread)).text)  # first, as Lou sees it
    assert kept_pages(app) == 0
    text = posts_of(page(app, plain_client, thread))
    assert version() == kept
    assert "Lou Daniels" not in text and "Lou D." in text and 'aria-pressed="true"' not in text


def test_the_rest_of_the_page_is_kept_with_each_readers_watch_level_draft_and_token(app, thread):
    """Each reader's own: the watch level pressed, their draft's text and the post it answers, their token."""
    watcher, wren = reader(app, "wren")
    preferences.set_watch_level(wren, thread, "watching")
    writer, nell = reader(app, "nell")
    drafts.save_draft(nell, thread, "Half a thought <em>so far</em>", parent_id=first_post(thread).id)
    kept_by_a_plain_reader(app, thread)
    assert kept_bodies(app) == 1
    watching, writing = page(app, watcher, thread), page(app, writer, thread)  # each as rendered afresh
    assert kept_bodies(app) == 3  # the watcher's level, and a composer answering a post, are pages of their own
    assert 'Replying to <a href="/p/' in writing and "Replying to" not in watching
    assert f'id="reply-parent" name="parent_id" type="hidden" value="{first_post(thread).id}"' in writing
    assert re.search(r'id="watch-watching"\s+aria-pressed="true"', watching)
    assert re.search(r'id="watch-normal"\s+aria-pressed="true"', writing)
    assert "Half a thought &lt;em&gt;so far&lt;/em&gt;</textarea>" in writing
    assert "Half a thought" not in watching
    tokens = [set(re.findall(r'name="csrf_token" value="([^"]+)"', text)) for text in (watching, writing)]
    assert len(tokens[0]) == len(tokens[1]) == 1 and tokens[0] != tokens[1]


def test_a_draft_is_filled_into_the_kept_page_of_its_writer_alone(app, thread):
    ivy_client, ivy = reader(app, "ivy")
    pat_client, _ = reader(app, "pat")
    drafts.save_draft(ivy, thread, "Ivy's words & <b>more</b>")
    kept_by_a_plain_reader(app, thread)
    ivys, pats = page(app, ivy_client, thread), page(app, pat_client, thread)
    assert kept_bodies(app) == 1  # one page for the three of them
    assert "Ivy&#39;s words &amp; &lt;b&gt;more&lt;/b&gt;</textarea>" in ivys
    assert "Ivy" not in pats and re.search(r'id="reply-body"[^>]*>\s*</textarea>', pats)
    keys = [re.search(r'name="request_key" type="hidden" value="([^"]+)"', text).group(1) for text in (ivys, pats)]
    assert len(keys[0]) >= 20 and keys[0] != keys[1]


def test_a_readers_post_waiting_for_a_moderator_is_shown_to_them_alone(app, thread):
    client, _ = reader(app, "mara")
    with write_transaction() as session:  # the site's choice: every new member's reply waits for a moderator
        session.merge(SiteSetting(name="NEW_MEMBER_POST_REVIEW", value='"hold"'))
    app.extensions["settings"].forget()
    kept = kept_by_a_plain_reader(app, thread)
    assert client.submit(f"/t/{thread.id}/reply", {"body": "Waiting for a moderator."}).status_code == 303
    assert "is waiting for a moderator" in client.get(address(thread)).text  # the message, shown once
    assert "Waiting for a moderator." in page(app, client, thread)
    assert version() == kept  # a held reply is no change to the site
    assert "Waiting for a moderator." not in page(app, reader(app, "other")[0], thread)


def test_comments_that_close_with_time_close_on_a_kept_page(app, monkeypatch):
    make_category(slug="articles", name="Articles")
    make_user(role="admin")  # the newsroom's account, which starts articles' threads
    article = embed.start_article_thread("https://news.example/2026/kept", "A kept article")
    with write_transaction() as session:
        session.get(Article, article.id).close_after_days = 1
    thread = db.session.get(Article, article.id).thread
    client, _ = reader(app, "mara")
    kept = kept_by_a_plain_reader(app, thread)
    assert "Comments close " in page(app, client, thread) and 'id="reply-form"' in page(app, client, thread)
    later = articles.utcnow() + timedelta(days=2)
    monkeypatch.setattr(articles, "utcnow", lambda: later)  # nothing changes but the time
    text = page(app, client, thread)
    assert version() == kept
    assert "Comments are closed since" in text and 'id="reply-form"' not in text
