"""Each post keeps how many gave each reaction (posts.reaction_summary), which the thread page shows
with no query of its own: it stays what post_reactions says through reacting, changing, taking back,
removing and restoring the post, and deleting accounts, and the migration that added it fills it."""

import re
from collections import Counter, defaultdict

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from forum import create_app
from forum.account import service as account
from forum.extensions import db
from forum.models import Post, PostReaction
from forum.moderation.service.flags import hide_post, restore_post
from forum.posts.service import delete_post, reactions
from forum.settings import Reaction
from tests.conftest import test_config
from tests.factories import PASSWORD, make_reply, make_thread, make_user
from tests.test_setup import empty_database  # noqa: F401  (a fixture)

BEFORE = "428a292521ce"  # the migration before the summaries


def reactions_by_post():
    """{post id: {kind: count}} as post_reactions says."""
    counts = defaultdict(Counter)
    for post_id, kind in db.session.execute(select(PostReaction.post_id, PostReaction.kind)):
        counts[post_id][kind] += 1
    return counts


def assert_summaries_match():
    """Every post's summary and count are what its reactions are."""
    db.session.expire_all()
    counts = reactions_by_post()
    for post_id, summary, total in db.session.execute(select(Post.id, Post.reaction_summary, Post.reaction_count)):
        assert reactions.summary_of(summary) == dict(counts.get(post_id, {})), post_id
        assert total == sum(counts.get(post_id, {}).values()), post_id


def shown(client, thread, post):
    """The counts the thread page shows under the post, as (name, count); None when it shows no tally."""
    page = client.get(f"/t/{thread.id}-{thread.slug}").text
    start = page.index(f'id="p{post.id}"')
    end = page.find("<article", start)
    article = page[start:end if end >= 0 else None]
    if 'class="reaction-tally"' not in article:
        return None
    return re.findall(r'<span class="visually-hidden">([^<]+) </span>(\d+)</span>', article)


def test_the_summary_follows_reacting_changing_taking_back_removal_and_account_deletion(client):
    author = make_user()
    thread = make_thread(author=author)
    post = make_reply(thread, author=author, body="something to react to")
    ana, bo, cy, moderator = make_user(), make_user(), make_user(), make_user(role="moderator")

    reactions.react(ana, post, "like")
    reactions.react(bo, post, "👍")
    reactions.react(cy, post, "👍")
    assert_summaries_match()
    assert shown(client, thread, post) == [("Like", "1"), ("Thumbs up", "2")]

    reactions.react(bo, post, "😂")  # changed
    assert_summaries_match()
    assert shown(client, thread, post) == [("Like", "1"), ("Thumbs up", "1"), ("Funny", "1")]

    reactions.react(ana, post, "like")  # taken back
    assert_summaries_match()
    assert db.session.get(Post, post.id).reaction_summary in ("👍:1 😂:1", "😂:1 👍:1")
    assert shown(client, thread, post) == [("Thumbs up", "1"), ("Funny", "1")]

    hide_post(moderator, post, "off topic")  # removed: the reactions stay, out of sight, for a restore
    assert_summaries_match()
    assert shown(client, thread, post) is None
    restore_post(moderator, db.session.get(Post, post.id))
    assert_summaries_match()
    assert shown(client, thread, post) == [("Thumbs up", "1"), ("Funny", "1")]

    account.delete_account(db.session.get(type(bo), bo.id), PASSWORD, keep_posts=True)  # a reactor leaves
    assert_summaries_match()
    assert shown(client, thread, post) == [("Thumbs up", "1")]

    reactions.react(ana, post, "🎉")
    delete_post(db.session.get(Post, post.id), author)  # deleted by its author: the reactions stay on the row
    assert_summaries_match()
    assert shown(client, thread, post) is None
    account.delete_account(db.session.get(type(author), author.id), PASSWORD, keep_posts=False)  # the author leaves
    account.delete_account(db.session.get(type(cy), cy.id), PASSWORD, keep_posts=True)
    assert_summaries_match()
    assert db.session.get(Post, post.id).reaction_summary == "🎉:1"


def test_a_guest_sees_the_counts_and_a_member_their_own_reaction_pressed(client):
    post = make_reply(make_thread(), body="liked")
    ana, bo = make_user(), make_user()
    reactions.react(ana, post, "like")
    reactions.react(bo, post, "🎉")
    assert shown(client, post.thread, post) == [("Like", "1"), ("Hooray", "1")]
    client.sign_in(bo)
    page = client.get(f"/t/{post.thread.id}-{post.thread.slug}").text
    assert re.search(rf'id="like-button-{post.id}"\s+aria-pressed="false"', page)
    assert re.search(r'aria-pressed="true"><span aria-hidden="true">🎉</span>', page)


def test_the_migration_fills_the_summaries_from_the_reactions(empty_database):  # noqa: F811
    app = create_app(test_config(empty_database))
    with app.app_context():
        try:
            upgrade()
            post = make_reply(make_thread(), body="a reply")
            fans = [make_user() for _ in range(4)]
            for fan, kind in zip(fans, ("like", "😂", "😂", "like"), strict=True):
                reactions.react(fan, post, kind)
            post_id = post.id
            db.session.remove()
            downgrade(revision=BEFORE)
            db.session.execute(text("UPDATE posts SET reaction_count = 0"))  # the migration counts afresh too
            db.session.commit()
            upgrade()
            assert_summaries_match()
            assert reactions.summary_of(db.session.get(Post, post_id).reaction_summary) == {"like": 2, "😂": 2}
        finally:
            db.session.remove()
            db.engine.dispose()


def test_the_pickers_buttons_are_built_once_and_press_the_readers_own(app):
    offered = (reactions.LIKE_REACTION, Reaction("👍", "Thumbs up"), Reaction("😂", "Funny <b>"))
    tallies = reactions.Tallies(mine={7: "😂"})
    buttons = str(tallies.choices(7, offered))
    assert re.findall(r'id="react-7-(\d)" title="([^"]+)"\s+aria-pressed="(\w+)"', buttons) == [
        ("1", "Thumbs up", "false"), ("2", "Funny &lt;b&gt;", "true")]
    assert 'aria-pressed="true"><span aria-hidden="true">😂</span><span class="visually-hidden">Funny &lt;b&gt;</span>' \
        in buttons
    assert 'aria-pressed="true"' not in str(tallies.choices(8, offered))  # another post: none pressed
