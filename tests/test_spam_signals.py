"""Spam signals act on their own: a new member's post flagged as spam by SPAM_FLAG_THRESHOLD members (or by
one moderator) silences the member and hides every post and thread of theirs until a moderator reviews it,
with a notice and a modlog line; lifting the silence, one action, brings it all back."""

import pytest

from forum.extensions import db
from forum.models import ModAction, Post, Sanction, Thread
from forum.moderation.service import flags
from tests.factories import make_category, make_reply, make_thread, make_user

APP_CONFIG = {"SPAM_FLAG_THRESHOLD": 2}


@pytest.fixture
def spammer(app):
    return make_user(username="cheapwatches", display_name="Cheap Watches")


@pytest.fixture
def general(app):
    return make_category(slug="general", name="General")


@pytest.fixture
def spam(spammer, general):
    """The spammer's own thread, and a reply of theirs in someone else's."""
    own = make_thread(author=spammer, category=general, title="Buy watches", body="Watches for sale, cheap.")
    other = make_thread(category=general, title="Gardening", body="Roses or tulips?")
    reply = make_reply(other, spammer, "Forget roses, buy watches.")
    return {"own": own, "other": other, "reply": reply}


def flaggers(n):
    return [make_user() for _ in range(n)]


def silences(member):
    return list(db.session.scalars(db.select(Sanction).where(Sanction.user_id == member.id,
                                                             Sanction.kind == "silence")))


def visible_posts_of(member):
    return db.session.scalar(db.select(db.func.count(Post.id)).where(Post.author_id == member.id,
                                                                      Post.removal.is_(None)))


def test_spam_flags_from_enough_members_silence_a_new_member_and_hide_all_they_wrote(client, spammer, spam):
    first, second = flaggers(2)
    flags.flag_post(spam["reply"], first, "spam")
    assert silences(spammer) == [] and visible_posts_of(spammer) == 2
    flags.flag_post(spam["reply"], second, "spam")
    [silence] = silences(spammer)
    assert silence.issued_by_id is None and silence.ends_at is None and silence.lifted_at is None
    assert visible_posts_of(spammer) == 0
    assert {p.removal for p in db.session.scalars(db.select(Post).where(Post.author_id == spammer.id))} == {"spam"}
    assert db.session.get(Thread, spam["own"].id).removed_at is not None
    assert db.session.get(Thread, spam["other"].id).removed_at is None
    line = db.session.scalar(db.select(ModAction).where(ModAction.action == "sanction:silence"))
    assert line.actor_id is None and line.target_id == spammer.id and "flagged as spam by 2 members" in line.public_reason
    # Guests: the thread is gone from the lists, the reply shows its placeholder.
    assert "Buy watches" not in client.get("/").text
    other = client.get(f"/t/{spam['other'].id}-{spam['other'].slug}").text
    assert "buy watches" not in other and "Hidden until a moderator reviews it: flagged as spam." in other
    # The member is told, and cannot post.
    client.sign_in(spammer)
    assert "Your post was flagged as spam" in client.get("/").text
    refused = client.submit(f"/t/{spam['other'].id}/reply", {"body": "More watches"})
    assert refused.status_code == 403


def test_one_moderators_spam_flag_is_enough(spammer, spam):
    moderator = make_user(role="moderator")
    flags.flag_post(spam["reply"], moderator, "spam")
    [silence] = silences(spammer)
    assert silence.issued_by_id == moderator.id and visible_posts_of(spammer) == 0


def test_other_reasons_and_established_members_are_left_to_the_moderators(app, spammer, spam):
    for flagger in flaggers(2):
        flags.flag_post(spam["reply"], flagger, "unkind")
    assert silences(spammer) == [] and visible_posts_of(spammer) == 2
    app.config["NEW_MEMBER_MIN_DAYS"] = 0
    app.config["NEW_MEMBER_MIN_POSTS"] = 1  # the spammer has 2 posts: established now
    opening = db.session.scalar(db.select(Post).where(Post.thread_id == spam["own"].id))
    for flagger in flaggers(2):
        flags.flag_post(opening, flagger, "spam")
    assert silences(spammer) == [] and visible_posts_of(spammer) == 2


def test_lifting_the_silence_brings_everything_back_in_one_action(client, spammer, spam):
    for flagger in flaggers(2):
        flags.flag_post(spam["reply"], flagger, "spam")
    [silence] = silences(spammer)
    moderator = make_user(username="morgan", role="moderator")
    client.sign_in(moderator)
    standing = client.get("/u/cheapwatches/standing")
    assert standing.status_code == 200 and "Issued by the forum, on members’ spam flags." in standing.text
    assert client.get("/mod").status_code == 200
    response = client.submit(f"/mod/sanctions/{silence.id}/lift", {"reason": "Not spam: a watchmaker."})
    assert response.status_code == 302
    assert visible_posts_of(spammer) == 2 and db.session.get(Thread, spam["own"].id).removed_at is None
    assert db.session.get(Sanction, silence.id).lifted_at is not None
    assert db.session.scalar(db.select(ModAction).where(ModAction.action == "lift:silence")).actor_id == moderator.id
    assert "Buy watches" in client.get("/").text


def test_admin_pages_name_the_forum_as_the_issuer(client, spammer, spam):
    for flagger in flaggers(2):
        flags.flag_post(spam["reply"], flagger, "spam")
    client.sign_in(make_user(role="admin"))
    page = client.get("/admin")
    assert page.status_code == 200 and "the forum (spam flags)" in page.text
