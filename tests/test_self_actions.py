"""Staff acting on themselves: nobody lifts, decides or changes what concerns them (their own
sanction, appeal, role, post or flag), through the services, every route (page and fragment), and
the command line; the controls for it are not shown. Also: what cannot be appealed is refused."""

from html import unescape

import pytest
from sqlalchemy import select

from forum.admin.service import blocks
from forum.admin.service import members as admin_service
from forum.extensions import db
from forum.models import Appeal, Flag, ModAction, Post, RegistrationBlock, Sanction, User
from forum.moderation.service import appeals, flags, sanctions
from forum.moderation.service.sanctions import SanctionRequest
from forum.refusals import FieldError, Forbidden
from tests.factories import make_reply, make_thread, make_user

# Flags on established members' posts: one moderator's spam flag on a new member's post silences its
# author at once (tests/test_spam_signals.py), which is not what these tests are about.
APP_CONFIG = {"NEW_MEMBER_MIN_DAYS": 0, "NEW_MEMBER_MIN_POSTS": 0}

PAGE_AND_FRAGMENT = pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])


@pytest.fixture
def admin(app):
    return make_user(username="chief", role="admin")


@pytest.fixture
def moderator(app):
    return make_user(username="modsue", display_name="Sue Moderator", role="moderator")


def slow_mode(actor, member, minutes=30):
    """A sanction that leaves the member signed in and able to use staff tools."""
    return sanctions.issue(actor, member, SanctionRequest(kind="slow_mode", reason="Too many posts.", days=3,
                                                          slow_mode_minutes=minutes))


def appealed(member, sanction, text="Please look again."):
    return appeals.appeal(member, sanction, text)


def fresh(model, row):
    return db.session.get(model, row.id)


def signed_in(app, user):
    client = app.test_client()
    client.sign_in(user)
    return client


def assert_refused(response, status, message, htmx):
    assert response.status_code == status, response.text[:300]
    assert message in unescape(response.text)
    assert ("<html" in response.text) is not htmx


def log_lines(action):
    return list(db.session.scalars(select(ModAction).where(ModAction.action == action)))


# Deciding an appeal against a sanction on oneself (the finding: a moderator lifted their own)


def test_nobody_decides_an_appeal_against_their_own_sanction(app, admin, moderator):
    sanction = slow_mode(admin, moderator)
    filed = appealed(moderator, sanction)
    for outcome in ("lifted", "upheld"):
        with pytest.raises(Forbidden, match="on themselves") as refused:
            appeals.decide(moderator, filed, outcome, "I agree with me.")
        assert refused.value.status == 403
    assert fresh(Sanction, sanction).lifted_at is None and fresh(Appeal, filed).decided_at is None


@PAGE_AND_FRAGMENT
def test_a_moderator_cannot_lift_their_own_sanction_on_appeal(app, admin, moderator, htmx):
    sanction = slow_mode(admin, moderator)
    client = signed_in(app, moderator)
    assert client.submit(f"/standing/{sanction.id}/appeal", {"text": "Unfair."}).status_code == 302
    filed = db.session.scalar(select(Appeal))
    response = client.submit(f"/mod/appeals/{filed.id}/decide", {"outcome": "lifted", "reason": "Fine by me."},
                             htmx=htmx)
    assert_refused(response, 403, "Nobody decides an appeal against a sanction on themselves", htmx)
    assert fresh(Sanction, sanction).lifted_at is None and fresh(Appeal, filed).decided_at is None
    assert log_lines("lift:slow_mode") == [] and log_lines("appeal:lifted") == []


def test_the_appeal_queue_shows_no_decision_form_on_ones_own_appeal(app, admin, moderator):
    filed = appealed(moderator, slow_mode(admin, moderator))
    page = signed_in(app, moderator).get("/mod/appeals").text
    assert f'action="/mod/appeals/{filed.id}/decide"' not in page
    assert "Nobody decides an appeal against a sanction on themselves" in page
    other = signed_in(app, make_user(role="moderator")).get("/mod/appeals").text
    assert f'action="/mod/appeals/{filed.id}/decide"' in other  # another moderator may


@PAGE_AND_FRAGMENT
def test_a_moderator_cannot_decide_an_appeal_against_an_admins_sanction(app, admin, moderator, htmx):
    other_admin = make_user(role="admin")
    sanction = slow_mode(admin, other_admin)
    filed = appealed(other_admin, sanction)
    with pytest.raises(Forbidden, match="Only an admin") as refused:
        appeals.decide(moderator, filed, "lifted", "Looks fine.")
    assert refused.value.status == 403
    client = signed_in(app, moderator)
    assert f'action="/mod/appeals/{filed.id}/decide"' not in client.get("/mod/appeals").text
    response = client.submit(f"/mod/appeals/{filed.id}/decide", {"outcome": "lifted", "reason": "Fine."}, htmx=htmx)
    assert_refused(response, 403, "Only an admin can decide an appeal against an admin's sanction.", htmx)
    assert fresh(Sanction, sanction).lifted_at is None


def test_the_issuers_refusal_is_403_whatever_its_wording(app, admin, moderator, monkeypatch):
    """The status comes from the refusal, not from matching its text."""
    filed = appealed(moderator, slow_mode(admin, moderator))
    make_user(role="moderator")  # someone else could decide: on a forum without them, the issuer does
    issuer = signed_in(app, admin)
    response = issuer.submit(f"/mod/appeals/{filed.id}/decide", {"outcome": "upheld", "reason": "Mine."})
    assert_refused(response, 403, "You issued this sanction, so another moderator decides the appeal.", False)
    original = appeals.decision_refusal

    def reworded(actor, appeal):
        refused = original(actor, appeal)
        if refused:
            refused.message = "Not yours to decide."
        return refused

    monkeypatch.setattr(appeals, "decision_refusal", reworded)
    assert issuer.submit(f"/mod/appeals/{filed.id}/decide", {"outcome": "upheld", "reason": "x"}).status_code == 403


# Lifting a sanction directly


def test_nobody_lifts_a_sanction_on_themselves(app, admin, moderator):
    sanction = slow_mode(admin, moderator)
    with pytest.raises(Forbidden, match="on themselves") as refused:
        sanctions.lift(moderator, sanction, "Served long enough.")
    assert refused.value.status == 403
    assert fresh(Sanction, sanction).lifted_at is None


@PAGE_AND_FRAGMENT
def test_the_lift_route_refuses_ones_own_sanction(app, admin, moderator, htmx):
    sanction = slow_mode(admin, moderator)
    client = signed_in(app, moderator)
    response = client.submit(f"/mod/sanctions/{sanction.id}/lift", {"reason": "Served long enough."}, htmx=htmx)
    assert_refused(response, 403, "Nobody lifts a sanction on themselves", htmx)
    assert fresh(Sanction, sanction).lifted_at is None and log_lines("lift:slow_mode") == []


@PAGE_AND_FRAGMENT
def test_a_moderator_cannot_lift_an_admins_sanction(app, admin, moderator, htmx):
    other_admin = make_user(role="admin")
    sanction = slow_mode(admin, other_admin)
    with pytest.raises(Forbidden, match="cannot lift"):
        sanctions.lift(moderator, sanction, "Looks fine.")
    client = signed_in(app, moderator)
    standing = client.get(f"/u/{other_admin.username}/standing").text
    assert "Lift sanction" not in standing and "Sanction this member" not in standing
    response = client.submit(f"/mod/sanctions/{sanction.id}/lift", {"reason": "Looks fine."}, htmx=htmx)
    assert_refused(response, 403, "You cannot lift this member's sanctions.", htmx)
    assert fresh(Sanction, sanction).lifted_at is None


def test_ones_own_standing_page_has_no_lift_form_but_others_do(app, admin, moderator):
    own = slow_mode(admin, moderator)
    page = signed_in(app, moderator).get(f"/u/{moderator.username}/standing").text
    assert f"/mod/sanctions/{own.id}/lift" not in page and "Sanction this member" not in page
    member = make_user()
    other = slow_mode(admin, member)
    page = signed_in(app, moderator).get(f"/u/{member.username}/standing").text
    assert f'action="/mod/sanctions/{other.id}/lift"' in page


# Sanctioning oneself (refused before; now a 403 with its own message)


@PAGE_AND_FRAGMENT
@pytest.mark.parametrize("route", ["sanction", "sanction/preview"])
def test_nobody_sanctions_themselves(app, moderator, htmx, route):
    client = signed_in(app, moderator)
    assert "Nobody sanctions themselves." in client.get(f"/mod/members/{moderator.username}/sanction").text
    data = {"kind": "slow_mode", "reason": "Testing.", "days": "1", "slow_mode_minutes": "5"}
    response = client.submit(f"/mod/members/{moderator.username}/{route}", data, htmx=htmx)
    assert_refused(response, 403, "Nobody sanctions themselves.", htmx)
    assert db.session.scalar(select(Sanction.id)) is None


# Roles


def test_an_admin_cannot_change_their_own_role(app, admin):
    make_user(role="admin")  # not the last admin: the rule is about oneself
    for role in ("moderator", "member"):
        with pytest.raises(Forbidden, match="their own role") as refused:
            admin_service.change_role(admin, admin, role)
        assert refused.value.status == 403
    assert fresh(User, admin).role == "admin" and log_lines("role:member") == []


@PAGE_AND_FRAGMENT
def test_the_role_route_refuses_ones_own_role(app, admin, htmx):
    make_user(role="admin")
    client = signed_in(app, admin)
    response = client.submit(f"/admin/members/{admin.id}/role", {"role": "member"}, htmx=htmx)
    assert_refused(response, 403, "Nobody changes their own role: another admin can.", htmx)
    if htmx:
        assert response.text.lstrip().startswith('<section id="member-role"')
    assert fresh(User, admin).role == "admin"


def test_ones_own_member_page_has_no_role_form(app, admin):
    client = signed_in(app, admin)
    page = client.get(f"/admin/members/{admin.id}").text
    assert f"/admin/members/{admin.id}/role" not in page and "another admin can" in page
    other = make_user()
    assert f'action="/admin/members/{other.id}/role"' in client.get(f"/admin/members/{other.id}").text


def test_the_command_line_changes_an_admins_role_in_another_admins_name(app, admin):
    second = make_user(role="admin", username="second")
    result = app.test_cli_runner().invoke(args=["forum", "set-role", "chief", "moderator"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert fresh(User, admin).role == "moderator"
    assert log_lines("role:moderator")[0].actor_id == second.id  # not chief acting on chief


# The review queue: one's own posts and one's own flags


@pytest.fixture
def own_post(moderator):
    return make_reply(make_thread(), author=moderator, body="A moderator's opinion.")


@pytest.fixture
def flagged_by_moderator(moderator):
    """A post the moderator flagged, with two members: enough to hide it until reviewed."""
    post = make_reply(make_thread(), body="Something dubious.")
    for flagger in (moderator, make_user(), make_user()):
        flags.flag_post(post, flagger, "spam")
    assert fresh(Post, post).removal == "flagged"
    return post


def review(actor, post, action):
    if action == "hide":
        return flags.hide_post(actor, post, "Off topic.")
    return {"restore": flags.restore_post, "dismiss": flags.dismiss_flags}[action](actor, post)


def prepare(post, action):
    """Make the action possible for some moderator: open flags, and a hidden post to restore."""
    flags.flag_post(post, make_user(), "spam")
    if action == "restore":
        flags.hide_post(make_user(role="moderator"), post, "Hidden by another moderator.")


def post_state(post):
    row = fresh(Post, post)
    open_flags = db.session.scalar(select(db.func.count(Flag.id)).where(Flag.post_id == post.id,
                                                                       Flag.resolved_at.is_(None)))
    return row.removal, row.removal_reason, open_flags


@pytest.mark.parametrize("action", ["hide", "restore", "dismiss"])
def test_a_moderator_does_not_review_their_own_post(app, moderator, own_post, action):
    prepare(own_post, action)
    before = post_state(own_post)
    with pytest.raises(Forbidden, match="your own post") as refused:
        review(moderator, own_post, action)
    assert refused.value.status == 403 and post_state(own_post) == before


@pytest.mark.parametrize("action", ["hide", "restore", "dismiss"])
def test_a_moderator_does_not_decide_a_post_they_flagged(app, moderator, flagged_by_moderator, action):
    before = post_state(flagged_by_moderator)
    with pytest.raises(Forbidden, match="You flagged this post") as refused:
        review(moderator, flagged_by_moderator, action)
    assert refused.value.status == 403 and post_state(flagged_by_moderator) == before


def test_a_resolved_flag_no_longer_makes_the_moderator_a_party(app, moderator, flagged_by_moderator):
    flags.dismiss_flags(make_user(role="moderator"), flagged_by_moderator)
    assert review(moderator, flagged_by_moderator, "hide").removal == "moderator"


@PAGE_AND_FRAGMENT
@pytest.mark.parametrize("action", ["hide", "restore", "dismiss"])
def test_the_queue_routes_refuse_a_moderators_own_post(app, moderator, own_post, action, htmx):
    prepare(own_post, action)
    before = post_state(own_post)
    client = signed_in(app, moderator)
    response = client.submit(f"/mod/posts/{own_post.id}/{action}", {"reason": "Off topic."}, htmx=htmx)
    assert_refused(response, 403, "This is your own post: another moderator reviews it.", htmx)
    assert post_state(own_post) == before


@PAGE_AND_FRAGMENT
@pytest.mark.parametrize("action", ["hide", "restore", "dismiss"])
def test_the_queue_routes_refuse_a_post_the_moderator_flagged(app, moderator, flagged_by_moderator, action, htmx):
    before = post_state(flagged_by_moderator)
    client = signed_in(app, moderator)
    response = client.submit(f"/mod/posts/{flagged_by_moderator.id}/{action}", {"reason": "Spam."}, htmx=htmx)
    assert_refused(response, 403, "You flagged this post: another moderator decides on it.", htmx)
    assert post_state(flagged_by_moderator) == before


def test_the_queue_shows_no_decisions_on_ones_own_post_or_flag(app, moderator, own_post, flagged_by_moderator):
    flags.flag_post(own_post, make_user(), "spam")
    page = signed_in(app, moderator).get("/mod").text
    assert f"/mod/posts/{own_post.id}/" not in page and f"/mod/posts/{flagged_by_moderator.id}/" not in page
    assert "This is your own post: another moderator reviews it." in page
    assert "You flagged this post: another moderator decides on it." in page
    other = signed_in(app, make_user(role="moderator")).get("/mod").text
    assert f'data-hx-post="/mod/posts/{own_post.id}/dismiss"' in other
    assert f'data-hx-post="/mod/posts/{flagged_by_moderator.id}/dismiss"' in other


def test_thread_pages_show_no_review_controls_on_ones_own_posts(app, moderator):
    thread = make_thread(author=moderator)
    other = make_reply(thread, body="Someone else's words.")
    own_hidden = make_reply(thread, author=moderator, body="Hidden words.")
    flags.hide_post(make_user(role="moderator"), own_hidden, "Off topic.")
    page = signed_in(app, moderator).get(f"/t/{thread.id}-{thread.slug}").text
    assert page.count("Hide post") == 1 and f'data-hx-post="/mod/posts/{other.id}/hide"' in page
    assert f"/mod/posts/{own_hidden.id}/restore" not in page


# Registration blocks: the admin's own address


@PAGE_AND_FRAGMENT
def test_an_admin_cannot_block_the_network_they_use(app, admin, htmx):
    with pytest.raises(FieldError, match="you are using now"):
        blocks.add_block(admin, "ip", "198.51.100.0/24", "Spam.", actor_address="198.51.100.7")
    client = signed_in(app, admin)
    response = client.submit("/admin/blocks", {"kind": "ip", "value": "198.51.100.0/24", "reason": "Spam."},
                             htmx=htmx, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert_refused(response, 422, "That network holds the address you are using now (198.51.100.7)", htmx)
    assert db.session.scalar(select(RegistrationBlock.id)) is None
    elsewhere = client.submit("/admin/blocks", {"kind": "ip", "value": "203.0.113.0/24", "reason": "Spam."},
                              htmx=htmx, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert elsewhere.status_code == (201 if htmx else 302)


# What cannot be appealed (item 12): the form hides it, and the server refuses it


def test_a_warning_cannot_be_appealed(app, admin):
    member = make_user()
    warning = sanctions.issue(admin, member, SanctionRequest(kind="warning", reason="Be kind."))
    with pytest.raises(Forbidden, match="warning cannot be appealed") as refused:
        appeals.appeal(member, warning, "I was kind.")
    assert refused.value.status == 403
    assert db.session.scalar(select(Appeal.id)) is None


@PAGE_AND_FRAGMENT
def test_a_direct_post_cannot_appeal_a_warning(app, admin, htmx):
    member = make_user()
    warning = sanctions.issue(admin, member, SanctionRequest(kind="warning", reason="Be kind."))
    client = signed_in(app, member)
    assert f"/standing/{warning.id}/appeal" not in client.get(f"/u/{member.username}/standing").text
    response = client.submit(f"/standing/{warning.id}/appeal", {"text": "I was kind."}, htmx=htmx)
    assert_refused(response, 403, "A warning cannot be appealed", htmx)
    assert db.session.scalar(select(Appeal.id)) is None


@PAGE_AND_FRAGMENT
def test_a_sanction_no_longer_in_force_cannot_be_appealed(app, admin, htmx):
    member = make_user()
    sanction = slow_mode(admin, member)
    sanctions.lift(admin, sanction, "Changed my mind.")
    client = signed_in(app, member)
    response = client.submit(f"/standing/{sanction.id}/appeal", {"text": "Too late?"}, htmx=htmx)
    assert_refused(response, 409, "no longer in force", htmx)
    assert db.session.scalar(select(Appeal.id)) is None


@PAGE_AND_FRAGMENT
def test_a_decided_appeal_cannot_be_filed_again(app, admin, htmx):
    member = make_user()
    sanction = slow_mode(admin, member)
    appeals.decide(make_user(role="admin"), appealed(member, sanction), "upheld", "It stands.")
    client = signed_in(app, member)
    response = client.submit(f"/standing/{sanction.id}/appeal", {"text": "Once more."}, htmx=htmx)
    assert_refused(response, 409, "has been decided", htmx)
    assert len(list(db.session.scalars(select(Appeal)))) == 1


@PAGE_AND_FRAGMENT
def test_another_members_sanction_cannot_be_appealed(app, admin, htmx):
    sanction = slow_mode(admin, make_user())
    client = signed_in(app, make_user())
    response = client.submit(f"/standing/{sanction.id}/appeal", {"text": "On their behalf."}, htmx=htmx)
    assert_refused(response, 403, "You can only appeal your own sanctions.", htmx)
