"""`flask forum seed-bench` at a tiny size: the counts asked for, and every kept-in-step count in step."""

import re

import pytest
from sqlalchemy import func, select, text

from bench.conversations import BIG_CONVERSATION, BIG_SUBJECT
from bench.run import Facts
from bench.seed import BENCH_PASSWORD, BIG_TITLE
from forum.extensions import db
from forum.messages import service
from forum.models import (ConversationParticipant, Post, PostQuote, PostReaction, PostUpload, PrivateConversation,
                          PrivateMessage, Thread, ThreadRead, Upload, User)
from forum.posts.service.plain import text_of
from tests.factories import make_reply, make_user
from tests.test_reaction_summaries import assert_summaries_match

SIZES = ["--members", "30", "--threads", "10", "--posts", "200", "--big-thread", "50", "--seed", "3"]


def seed(app, *extra):
    return app.test_cli_runner().invoke(args=["forum", "seed-bench", *SIZES, *extra])


@pytest.fixture
def seeded(app):
    result = seed(app)
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result


def scalar(query):
    return db.session.scalar(query)


def test_it_writes_the_sizes_asked_for_and_says_how_long_it_took(seeded):
    assert scalar(select(func.count(User.id))) == 30
    assert scalar(select(func.count(Thread.id))) == 10
    assert scalar(select(func.count(Post.id))) == 200
    assert scalar(select(Thread.post_count).where(Thread.title == BIG_TITLE)) == 50
    assert re.search(r"posts, their quotes, reactions and pictures: \d+\.\d s", seeded.output)
    assert "Bench data loaded in" in seeded.output


def test_on_postgresql_the_loaded_tables_are_vacuumed_as_a_running_forums_are(app):
    """Else index-only scans read the tables' rows too, and the bench measures a cost no forum pays."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's visibility map; SQLite has none")

    def vacuums() -> int:
        db.session.rollback()  # statistics are read once per transaction
        return db.session.scalar(text("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'posts'"))

    before = vacuums()
    result = seed(app)
    assert result.exit_code == 0, result.output
    assert re.search(r"VACUUM \(ANALYZE\) on PostgreSQL: \d+\.\d s", result.output)
    assert vacuums() == before + 1


def test_thread_counts_and_times_match_their_posts(seeded):
    for thread in db.session.scalars(select(Thread)):
        posts = db.session.scalars(select(Post).where(Post.thread_id == thread.id).order_by(Post.id)).all()
        assert thread.post_count == len(posts)
        assert thread.last_post_at == max(post.created_at for post in posts)
        assert (thread.author_id, thread.created_at) == (posts[0].author_id, posts[0].created_at)
        assert [p.created_at for p in posts] == sorted(p.created_at for p in posts)


def test_reaction_counts_match_the_reactions_and_nobody_reacts_to_their_own_post(seeded):
    counts = dict(db.session.execute(select(PostReaction.post_id, func.count()).group_by(PostReaction.post_id)).all())
    assert sum(counts.values()) > 0
    for post_id, reaction_count in db.session.execute(select(Post.id, Post.reaction_count)):
        assert reaction_count == counts.get(post_id, 0)
    assert_summaries_match()  # and each post's summary, which the thread page shows
    own = select(func.count()).select_from(PostReaction).join(Post, Post.id == PostReaction.post_id).where(
        Post.author_id == PostReaction.user_id)
    assert scalar(own) == 0
    kinds = set(db.session.scalars(select(PostReaction.kind).distinct()))
    assert "like" in kinds and len(kinds) > 1  # likes, and the other reactions a page shows


def test_some_posts_of_the_big_thread_show_a_picture_of_their_authors_as_posting_leaves_it(seeded):
    big = db.session.scalar(select(Thread).where(Thread.title == BIG_TITLE))
    shown = db.session.execute(select(Post, Upload).join(PostUpload, PostUpload.post_id == Post.id)
                               .join(Upload, Upload.id == PostUpload.upload_id)).all()
    assert 2 <= len(shown) <= 12
    for post, upload in shown:
        assert post.thread_id == big.id and upload.owner_id == post.author_id
        assert f"](/uploads/{upload.sha256}.webp)" in post.body
        assert re.search(rf'<img src="/uploads/{upload.sha256}(-display)?\.webp" alt="[^"]+" width="\d+" height="\d+" '
                         r'loading="lazy"', post.body_html)
    pictured = db.session.scalar(select(func.count()).where(Post.body.contains("](/uploads/")))
    assert pictured == len(shown)


def test_quotes_name_an_earlier_post_of_the_same_thread_as_the_renderer_does(seeded):
    quotes = db.session.execute(select(PostQuote.post_id, PostQuote.quoted_post_id)).all()
    assert quotes
    for post_id, quoted_id in quotes:
        post, quoted = db.session.get(Post, post_id), db.session.get(Post, quoted_id)
        assert quoted.thread_id == post.thread_id and quoted.id < post.id and post.parent_id == quoted.id
        assert f"](/p/{quoted.id}) wrote:" in post.body
        assert f'data-quote="{quoted.id}"' in post.body_html
        assert f">{quoted.author.public_name}</a> wrote:" in post.body_html
        first_line = quoted.body.split("\n")[0]
        assert f"> {first_line}" in post.body
        assert post.search_text == text_of(post.body_html)


def test_search_text_is_the_text_of_each_post(seeded):
    for body_html, search_text in db.session.execute(select(Post.body_html, Post.search_text)):
        assert search_text and search_text == text_of(body_html)


def test_reading_marks_are_where_each_member_last_wrote(seeded):
    for mark in db.session.scalars(select(ThreadRead)):
        last = scalar(select(func.max(Post.id)).where(Post.thread_id == mark.thread_id,
                                                      Post.author_id == mark.user_id))
        assert mark.last_read_post_id == last
        assert mark.read_count == scalar(select(func.count(Post.id)).where(
            Post.thread_id == mark.thread_id, Post.id <= last))


def test_the_forum_works_on_the_data(seeded, client):
    member = db.session.scalar(select(User).order_by(User.id))
    client.sign_in(member.username, BENCH_PASSWORD)
    thread = db.session.scalar(select(Thread).where(Thread.title == BIG_TITLE))
    page = client.get(f"/t/{thread.id}-{thread.slug}?page=3")
    assert page.status_code == 200 and "page 3" in page.text.lower()
    make_reply(thread, member, "A reply after the seed, with an id of its own")  # ids were left free


def test_the_bench_member_has_an_inbox_and_a_long_conversation_kept_in_step(seeded, client, app):
    facts = Facts.read(app.config["SQLALCHEMY_DATABASE_URI"])
    member = db.session.scalar(select(User).where(User.username == facts.member))
    conversation = db.session.scalar(select(PrivateConversation).where(PrivateConversation.subject == BIG_SUBJECT))
    assert facts.conversation == f"/messages/{conversation.id}"
    assert ("inbox", "/messages", ("member",)) in facts.pages()  # no guest row: a guest is sent to sign in
    for each in db.session.scalars(select(PrivateConversation)):
        messages = db.session.scalars(select(PrivateMessage).where(PrivateMessage.conversation_id == each.id)
                                      .order_by(PrivateMessage.id)).all()
        assert (each.message_count, each.last_message_id, each.last_message_at) == (
            len(messages), messages[-1].id, messages[-1].created_at)
        assert db.session.get(ConversationParticipant, (each.id, member.id)) is not None
    assert conversation.message_count == BIG_CONVERSATION
    client.sign_in(member.username, BENCH_PASSWORD)
    inbox = client.get("/messages")
    assert inbox.status_code == 200 and BIG_SUBJECT.replace("'", "&#39;") in inbox.text and " unread</span>" in inbox.text
    page = client.get(facts.conversation)
    assert page.status_code == 200 and page.text.count('<article class="post message') == 20
    make_user()  # ids were left free (PostgreSQL's sequences too)
    service.start_conversation(member, [db.session.scalar(select(User).where(User.id != member.id))], "Hi", "Hello")


def test_the_search_index_covers_the_seeded_posts(seeded, client):
    word = next(w for w in ("lighthouse", "kiln", "violin", "canoe") if scalar(
        select(func.count(Post.id)).where(Post.body.contains(w))))
    page = client.get(f"/search?q={word}")
    assert page.status_code == 200
    assert "/p/" in page.text or "/t/" in page.text


def test_it_refuses_a_database_that_has_posts_unless_forced(seeded, app):
    refused = seed(app)
    assert refused.exit_code != 0 and "already has posts" in refused.output
    assert scalar(select(func.count(Post.id))) == 200
    forced = seed(app, "--force")
    assert forced.exit_code == 0, forced.output
    db.session.expire_all()
    assert scalar(select(func.count(Post.id))) == 400
    assert scalar(select(func.count(User.id))) == 60


def test_every_response_says_how_long_the_app_took(client):
    for response in (client.get("/"), client.get("/no-such-page"), client.fragment("/")):
        assert re.fullmatch(r"app;dur=\d+\.\d", response.headers["Server-Timing"])
