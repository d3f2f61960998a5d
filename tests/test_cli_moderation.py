"""The moderation commands: set-role, ban, unban, block-email and block-ip."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import ModAction, Post, RegistrationBlock, Sanction, User
from forum.models.base import utcnow
from tests.factories import make_reply, make_thread, make_user


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        result = runner.invoke(args=["forum", *args])
        db.session.expire_all()  # the command wrote through its own session
        return result

    return invoke


def fresh(user):
    return db.session.get(User, user.id)


def sanctions_of(member):
    return list(db.session.scalars(select(Sanction).where(Sanction.user_id == member.id).order_by(Sanction.id)))


def log_lines(action):
    return list(db.session.scalars(select(ModAction).where(ModAction.action == action)))


# set-role


def test_set_role_appoints_and_removes_a_moderator(run, admin):
    member = make_user(username="helper")
    result = run("set-role", "Helper", "moderator")
    assert result.exit_code == 0, result.output
    assert "@helper is now a moderator." in result.output
    assert fresh(member).role == "moderator"
    line = log_lines("role:moderator")[0]
    assert line.actor_id == admin.id and "command line" in line.details
    assert run("set-role", "helper", "member").exit_code == 0
    assert fresh(member).role == "member"


def test_set_role_without_any_admin_is_the_system(run, app):
    member = make_user(username="founder")
    assert run("set-role", "founder", "admin").exit_code == 0
    assert fresh(member).role == "admin"
    assert log_lines("role:admin")[0].actor_role == "system"


def test_set_role_errors(run, admin):
    unknown = run("set-role", "nobody", "moderator")
    assert unknown.exit_code == 1 and "There is no member called 'nobody'." in unknown.output
    bad_role = run("set-role", "boss", "emperor")
    assert bad_role.exit_code == 2 and "emperor" in bad_role.output
    last = run("set-role", "boss", "member")
    assert last.exit_code == 1 and "only admin" in last.output
    assert fresh(admin).role == "admin"


# ban and unban


def test_ban_signs_the_member_out_everywhere(app, run, admin):
    member = make_user(username="troll")
    browser, remembered = app.test_client(), app.test_client()
    browser.sign_in(member, remember=True)
    remembered.set_cookie("remember_token", browser.get_cookie("remember_token").value)
    assert remembered.get("/settings").status_code == 200  # the copied cookie works, before the ban
    token = member.session_token
    result = run("ban", "troll", "--reason", "Spam, again and again.")
    assert result.exit_code == 0, result.output
    assert "@troll is banned and signed out everywhere." in result.output
    assert fresh(member).session_token != token
    for client in (browser, remembered):
        assert client.get("/settings").status_code == 302  # to the sign-in page: signed out
    ban, = sanctions_of(member)
    assert (ban.kind, ban.ends_at, ban.issued_by_id, ban.reason) == ("ban", None, admin.id,
                                                                     "Spam, again and again.")
    line = log_lines("sanction:ban")[0]
    assert (line.actor_id, line.target_id) == (admin.id, member.id)
    assert "command line" in line.details


def test_ban_with_days_is_a_suspension(run, admin):
    member = make_user(username="heated")
    result = run("ban", "heated", "--reason", "Cool off.", "--days", "3")
    assert result.exit_code == 0, result.output
    assert "@heated is suspended until" in result.output
    suspension, = sanctions_of(member)
    assert suspension.kind == "suspension"
    assert abs(suspension.ends_at - (utcnow() + timedelta(days=3))) < timedelta(minutes=1)


def test_ban_can_remove_the_posts_and_unban_brings_them_back(run, admin):
    member = make_user(username="spammer")
    thread = make_thread(author=member)
    reply = make_reply(thread, author=member)
    assert run("ban", "spammer", "--reason", "Spam.", "--remove-posts").exit_code == 0
    assert {post.removal for post in db.session.scalars(select(Post).where(Post.author_id == member.id))} == {"banned"}
    result = run("unban", "spammer", "--reason", "Appeal granted.")
    assert result.exit_code == 0, result.output
    assert "@spammer may sign in again (1 lifted)." in result.output
    assert db.session.get(Post, reply.id).removal is None
    ban, = sanctions_of(member)
    assert ban.lifted_by_id == admin.id and ban.lift_reason == "Appeal granted."
    assert log_lines("lift:ban")[0].public_reason == "Appeal granted."


def test_unban_lifts_suspensions_and_bans_and_nothing_else(run, app, admin):
    member = make_user(username="comeback")
    assert run("ban", "comeback", "--reason", "First.", "--days", "2").exit_code == 0
    assert run("ban", "comeback", "--reason", "Second.").exit_code == 0
    from forum.moderation.service import sanctions

    warning = sanctions.issue(admin, member, sanctions.SanctionRequest(kind="warning", reason="Be kind."))
    assert run("unban", "comeback", "--reason", "Sorted out.").exit_code == 0
    by_kind = {s.kind: s for s in sanctions_of(member)}
    assert by_kind["suspension"].lifted_at and by_kind["ban"].lifted_at
    assert db.session.get(Sanction, warning.id).lifted_at is None
    client = app.test_client()
    client.sign_in(member)
    assert client.get("/settings").status_code == 200


def test_ban_and_unban_errors(run, admin):
    make_user(username="calm")
    assert "There is no member called 'ghost'." in run("ban", "ghost", "--reason", "x").output
    missing_reason = run("ban", "calm")
    assert missing_reason.exit_code == 2 and "--reason" in missing_reason.output
    assert run("ban", "calm", "--reason", "x", "--days", "0").exit_code == 2
    blank = run("ban", "calm", "--reason", "   ")
    assert blank.exit_code == 1 and "Give the member a reason" in blank.output
    not_banned = run("unban", "calm", "--reason", "x")
    assert not_banned.exit_code == 1 and "@calm is not suspended or banned." in not_banned.output
    assert run("unban", "ghost", "--reason", "x").exit_code == 1


def test_ban_needs_an_admin_to_act_in_the_name_of(run, app):
    member = make_user(username="lonely")
    result = run("ban", "lonely", "--reason", "x")
    assert result.exit_code == 1 and "create-admin" in result.output
    assert sanctions_of(member) == []


def test_an_admin_can_be_banned_in_the_name_of_another_admin(run, admin):
    rogue = make_user(role="admin", username="rogue")
    assert run("ban", "rogue", "--reason", "Abuse of power.").exit_code == 0
    assert sanctions_of(rogue)[0].issued_by_id == admin.id


# Registration blocks


def test_block_email_and_ip(run, admin):
    result = run("block-email", "Foo.Bar+x@GoogleMail.com", "--reason", "Ban evasion.")
    assert result.exit_code == 0 and "foobar@gmail.com can no longer register." in result.output
    result = run("block-ip", "2001:db8::/48", "--reason", "Spam wave.")
    assert result.exit_code == 0 and "2001:db8::/48 can no longer register." in result.output
    rows = {(b.kind, b.value, b.created_by_id) for b in db.session.scalars(select(RegistrationBlock))}
    assert rows == {("email", "foobar@gmail.com", admin.id), ("ip", "2001:db8::/48", admin.id)}
    assert all("command line" in line.details for line in log_lines("block:add"))


def test_block_errors(run, admin):
    assert "Enter an email address" in run("block-email", "nope", "--reason", "x").output
    assert "Enter an IP address" in run("block-ip", "300.1.1.1", "--reason", "x").output
    assert "too wide" in run("block-ip", "0.0.0.0/0", "--reason", "x").output
    assert run("block-ip", "203.0.113.0/24").exit_code == 2  # --reason is required
    assert run("block-email", "a@example.com", "--reason", "x").exit_code == 0
    again = run("block-email", "A@Example.com", "--reason", "x")
    assert again.exit_code == 1 and "blocked already" in again.output
