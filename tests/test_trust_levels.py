"""Trust levels: earned from time, posts, reading and flags; set by staff by hand (logged); shown on the
standing page; and the one table behind the new-member rules (links, mentions, rate limits, flag weight)."""

import json
from datetime import timedelta

import pytest
from forum import trust
from forum.database import write_transaction
from forum.extensions import db
from forum.limits import is_new_member
from forum.models import Flag, ModAction, Post, SiteSetting, ThreadRead, User
from forum.models.base import utcnow
from forum.policy import links_allowed_for
from tests.factories import make_reply, make_thread, make_user


def save(app, **values):
    with write_transaction() as session:
        for name, value in values.items():
            session.merge(SiteSetting(name=name, value=json.dumps(value)))
    app.extensions["settings"].forget()


def age(user, days):
    with write_transaction() as session:
        session.get(User, user.id).created_at = utcnow() - timedelta(days=days)
    db.session.refresh(user)


def posts_by(user, count):
    thread = make_thread(author=user)
    for _ in range(count - 1):
        make_reply(thread, author=user)
    return thread


def read(user, thread, count):
    with write_transaction() as session:
        session.merge(ThreadRead(user_id=user.id, thread_id=thread.id, read_count=count))


@pytest.fixture
def ladder(app):
    save(app, NEW_MEMBER_MIN_DAYS=2, NEW_MEMBER_MIN_POSTS=3, TRUST_MEMBER_MIN_READ=5,
         TRUST_REGULAR_MIN_DAYS=30, TRUST_REGULAR_MIN_POSTS=6, TRUST_REGULAR_MIN_READ=50, TRUST_REGULAR_MAX_FLAGS=1)


def test_the_table_has_each_ability_for_each_level():
    assert [level.name for level in trust.LEVELS] == ["new", "member", "regular"]
    assert [level.links for level in trust.LEVELS] == [False, True, True]
    assert [level.invites for level in trust.LEVELS] == [False, False, True]
    assert [level.flag_weight for level in trust.LEVELS] == [1, 1, 2]


def test_a_member_climbs_with_time_posts_and_reading(app, ladder):
    member = make_user()
    thread = posts_by(member, 3)
    assert trust.level_of(member) == trust.NEW  # too new, however much they wrote
    age(member, 3)
    assert trust.level_of(member) == trust.NEW  # has not read enough
    read(member, thread, 5)
    assert trust.level_of(member) == trust.MEMBER and links_allowed_for(member)
    age(member, 31)
    for _ in range(3):
        make_reply(thread, author=member)
    assert trust.level_of(member) == trust.MEMBER  # read 5 of the 50 posts a regular has read
    read(member, thread, 50)
    assert trust.level_of(member) == trust.REGULAR


def test_flags_from_others_keep_a_member_from_becoming_a_regular(app, ladder):
    member = make_user()
    thread = posts_by(member, 6)
    age(member, 40)
    read(member, thread, 60)
    assert trust.level_of(member) == trust.REGULAR
    post_ids = db.session.scalars(db.select(Post.id).where(Post.author_id == member.id)).all()
    flaggers = [make_user().id for _ in range(2)]
    with write_transaction() as session:
        for post_id, flagger in zip(post_ids, flaggers, strict=False):
            session.add(Flag(post_id=post_id, user_id=flagger, reason="spam"))
    assert trust.level_of(member) == trust.MEMBER


def test_a_new_member_costs_no_query_and_an_older_one_one(app, ladder, queries):
    def counting():  # what the level asks of the database: the member's row and the settings are loaded already
        return [q for q in queries if "posts" in q or "thread_reads" in q or "flags" in q]
    member = make_user()
    queries.clear()
    assert trust.level_of(member) == trust.NEW
    assert counting() == []
    age(member, 3)
    queries.clear()
    trust.level_of(member)
    assert len(counting()) == 1


def read_privately(user, thread, count):
    """Reading as the forum records it: a private write, which gives the site no new version."""
    with write_transaction(public=False) as session:
        session.merge(ThreadRead(user_id=user.id, thread_id=thread.id, read_count=count))


def test_a_member_whose_links_are_published_is_not_counted_again_until_the_site_changes(app, ladder, queries):
    def published() -> tuple[bool, int]:  # in a request of its own, as a page asks it
        with app.app_context(), app.test_request_context():
            queries.clear()
            answer = links_allowed_for(member)
            return answer, len([q for q in queries if "thread_reads" in q])

    member = make_user()
    thread = posts_by(member, 3)
    age(member, 3)
    read_privately(member, thread, 4)
    assert published() == (False, 1)
    assert published() == (False, 1)  # a no is never kept: their next read may turn it
    read_privately(member, thread, 5)
    assert published() == (True, 1)  # at once, though the site's version is the same
    assert published() == (True, 0)  # kept
    save(app, TRUST_MEMBER_MIN_READ=6)  # a public change, and a new threshold
    assert published() == (False, 1)


def test_the_rate_limits_and_mentions_follow_the_level(app, client, ladder):
    member = make_user()
    client.sign_in(member)
    with app.test_request_context():
        from flask_login import login_user
        login_user(member)
        assert is_new_member()
        with write_transaction() as session:
            session.get(User, member.id).trust_level_set = trust.MEMBER
        db.session.refresh(member)
        assert not is_new_member()
    assert trust.max_mentions_at(trust.NEW) == app.config["NEW_MEMBER_MAX_MENTIONS"]
    assert trust.max_mentions_at(trust.MEMBER) == app.config["MAX_MENTIONS"]


def test_the_standing_page_shows_the_level_and_what_the_next_needs(client, app, ladder):
    member = make_user()
    posts_by(member, 1)
    client.sign_in(member)
    page = client.get(f"/u/{member.username}/standing")
    assert page.status_code == 200
    assert "Trust level: New" in page.text and "To become <strong>member</strong>, you need:" in page.text
    assert "3 posts (now 1)" in page.text and "2 days since joining (now 0)" in page.text
    assert "5 posts read (now 0)" in page.text
    assert "Set trust level" not in page.text  # a member cannot set their own


def test_staff_set_a_level_by_hand_and_it_is_logged(client, app, ladder):
    moderator, member = make_user(role="moderator"), make_user()
    client.sign_in(moderator)
    assert "Set trust level" in client.get(f"/u/{member.username}/standing").text
    done = client.submit(f"/u/{member.username}/trust", {"level": "regular", "reason": "Known to us offline."})
    assert done.status_code == 302
    db.session.refresh(member)
    assert member.trust_level_set == trust.REGULAR and trust.level_of(member) == trust.REGULAR
    entry = db.session.scalar(db.select(ModAction).where(ModAction.action == "trust:regular"))
    assert entry.actor_id == moderator.id and entry.target_id == member.id
    assert "automatic to regular" in entry.details and "Known to us offline." in entry.details
    page = client.get(f"/u/{member.username}/standing").text
    assert "Trust level: Regular" in page and "Set by hand by the forum's staff." in page
    back = client.submit(f"/u/{member.username}/trust", {"level": "auto", "reason": "Back to the rules."})
    assert back.status_code == 302
    db.session.refresh(member)
    assert member.trust_level_set is None and trust.level_of(member) == trust.NEW
    assert db.session.scalar(db.select(ModAction).where(ModAction.action == "trust:automatic")) is not None


def test_a_level_set_without_a_reason_is_refused_beside_the_field(client, ladder):
    moderator, member = make_user(role="moderator"), make_user()
    client.sign_in(moderator)
    refused = client.submit(f"/u/{member.username}/trust", {"level": "regular", "reason": ""})
    assert refused.status_code == 422 and "Say why, for the moderation log." in refused.text
    db.session.refresh(member)
    assert member.trust_level_set is None


def test_members_cannot_set_trust_levels(client, ladder):
    member, other = make_user(), make_user()
    client.sign_in(member)
    for target in (member, other):
        response = client.submit(f"/u/{target.username}/trust", {"level": "regular", "reason": "Please."})
        assert response.status_code == 403
    db.session.refresh(member)
    assert member.trust_level_set is None
    assert db.session.scalar(db.select(ModAction).where(ModAction.action.like("trust:%"))) is None


def test_a_regulars_flag_counts_double(client, app, ladder):
    save(app, FLAG_HIDE_THRESHOLD=2)
    post = make_reply(make_thread())
    regular = make_user()
    with write_transaction() as session:
        session.get(User, regular.id).trust_level_set = trust.REGULAR
    client.sign_in(regular)
    assert client.submit(f"/p/{post.id}/flag", {"reason": "spam"}).status_code in (200, 201, 302)
    db.session.refresh(post)
    assert post.removal == "flagged"


def test_a_new_members_flag_counts_once(client, app, ladder):
    save(app, FLAG_HIDE_THRESHOLD=2)
    post = make_reply(make_thread())
    client.sign_in(make_user())
    client.submit(f"/p/{post.id}/flag", {"reason": "spam"})
    db.session.refresh(post)
    assert post.removal is None


def test_a_staff_flag_counts_once(client, app, ladder):
    save(app, FLAG_HIDE_THRESHOLD=2)
    post = make_reply(make_thread())
    client.sign_in(make_user(role="moderator"))
    # Not "spam": a moderator's spam flag on a new member's post silences them at once (test_spam_signals).
    client.submit(f"/p/{post.id}/flag", {"reason": "unkind"})
    db.session.refresh(post)
    assert post.removal is None
