"""Members from another site's accounts (forum/auth/service/external.py): found by (issuer, subject) alone,
never by email; made with a valid unique username; kept up to date; staff roles given and taken away;
a ban or suspension here refuses them."""

from email.message import EmailMessage

import pytest
from sqlalchemy import select

from forum import mail
from forum.auth.service import external
from forum.auth.service.accounts import authenticate
from forum.auth.service.names import username_problem
from forum.extensions import db
from forum.models import ExternalAccount, User
from forum.moderation.service import sanctions
from forum.moderation.service.sanctions import SanctionRequest
from forum.refusals import Forbidden, Malformed
from tests.factories import PASSWORD, make_user

ISSUER = "daily-news"


def test_first_sign_in_makes_and_links_a_member(app):
    member = external.sign_in_external(ISSUER, "u-1", "Zoe@Example.com", "Zoë O'Brien")
    assert member.username == "zoe-obrien" and member.display_name == "Zoë O'Brien"
    assert member.email == "zoe@example.com" and member.role == "member"
    assert not external.has_password(member) and external.has_email(member)
    link = db.session.scalar(select(ExternalAccount))
    assert (link.issuer, link.subject, link.user_id) == (ISSUER, "u-1", member.id)
    again = external.sign_in_external(ISSUER, "u-1", "zoe@example.com", "Zoë O'Brien")
    assert again.id == member.id and db.session.scalar(select(db.func.count(User.id))) == 1


def test_no_password_signs_in_a_member_made_from_a_token(app):
    member = external.sign_in_external(ISSUER, "u-1", "zoe@example.com", "Zoe")
    assert authenticate(member.username, "") is None
    assert authenticate(member.username, external.NO_PASSWORD) is None


def test_usernames_are_valid_and_unique(app):
    make_user(username="sam-lee", email="sam@example.com")
    names = [external.sign_in_external(ISSUER, f"s{n}", None, "Sam Lee").username for n in range(3)]
    assert len(set(names)) == 3 and "sam-lee" not in names
    for name in names + [external.sign_in_external(ISSUER, "x", None, name).username
                         for name in ("Admin", "名前", "", "a", "\u202e evil", "x" * 80)]:
        assert username_problem(name) is None, name


def test_another_accounts_email_is_never_taken_over(app):
    owner = make_user(username="rhonda", email="rhonda@example.com")
    member = external.sign_in_external(ISSUER, "u-9", "Rhonda@example.com", "Rhonda")
    assert member.id != owner.id
    assert not external.has_email(member) and member.email.endswith("@" + external.NO_EMAIL_DOMAIN)
    db.session.expire_all()
    assert db.session.get(User, owner.id).email == "rhonda@example.com"
    assert authenticate("rhonda", PASSWORD).id == owner.id  # the owner still signs in with their password
    # a later sign-in with the same address leaves it with its owner too
    external.sign_in_external(ISSUER, "u-9", "rhonda@example.com", "Rhonda")
    db.session.expire_all()
    assert db.session.get(User, member.id).email != "rhonda@example.com"


def test_nothing_is_mailed_to_a_member_without_email(app):
    member = external.sign_in_external(ISSUER, "u-1", None, "Zoe")
    message = EmailMessage()
    message["To"], message["Subject"] = member.email, "Hello"
    message.set_content("Hello")
    assert mail.send(message) is False and mail.nowhere(member.email) and not mail.nowhere("a@example.com")


def test_name_and_email_follow_the_other_site(app):
    member = external.sign_in_external(ISSUER, "u-1", "old@example.com", "Old Name")
    external.sign_in_external(ISSUER, "u-1", "new@example.com", "New Name")
    db.session.expire_all()
    member = db.session.get(User, member.id)
    assert (member.display_name, member.email, member.username) == ("New Name", "new@example.com", "old-name")


def test_staff_roles_given_and_taken_away(app):
    member = external.sign_in_external(ISSUER, "ed", None, "Editor", roles=["moderator"])
    assert member.role == "moderator"
    assert external.sign_in_external(ISSUER, "ed", None, "Editor", roles=["admin", "moderator"]).role == "admin"
    assert external.sign_in_external(ISSUER, "ed", None, "Editor", roles=None).role == "admin"  # no word: kept
    assert external.sign_in_external(ISSUER, "ed", None, "Editor", roles=[]).role == "member"  # lost: demoted
    assert external.sign_in_external(ISSUER, "ed", None, "Editor", roles=["subscriber"]).role == "member"


@pytest.mark.parametrize("kind", ["ban", "suspension"])
def test_a_ban_or_suspension_here_refuses_the_sign_in(app, admin, kind):
    member = external.sign_in_external(ISSUER, "u-1", None, "Zoe")
    sanctions.issue(admin, member, SanctionRequest(kind=kind, reason="Spam.", days=None if kind == "ban" else 3))
    with pytest.raises(Forbidden) as refused:
        external.sign_in_external(ISSUER, "u-1", None, "Zoe")
    assert ("banned" if kind == "ban" else "suspended") in refused.value.message and "Spam." in refused.value.message


def test_a_silence_does_not_refuse_the_sign_in(app, admin):
    member = external.sign_in_external(ISSUER, "u-1", None, "Zoe")
    sanctions.issue(admin, member, SanctionRequest(kind="silence", reason="Calm down.", days=1))
    assert external.sign_in_external(ISSUER, "u-1", None, "Zoe").id == member.id


@pytest.mark.parametrize("issuer, subject", [("", "u"), (ISSUER, ""), ("x" * 201, "u"), (ISSUER, "s" * 256)])
def test_issuer_and_subject_are_required(app, issuer, subject):
    with pytest.raises(Malformed):
        external.sign_in_external(issuer, subject, None, "Zoe")


def test_the_same_subject_of_another_issuer_is_another_member(app):
    first = external.sign_in_external(ISSUER, "1", None, "Zoe")
    second = external.sign_in_external("other-paper", "1", None, "Zoe")
    assert first.id != second.id
