"""Notification email: off by default, each notification or a daily digest, sent by `flask forum send-mail`."""

import re
from datetime import timedelta

import pytest

from forum.database import write_transaction
from forum.extensions import db
from forum.models import Notification, Post, User
from forum.models.base import utcnow
from forum.moderation.service import sanctions, threads as thread_moderation
from forum.moderation.service.sanctions import SanctionRequest
from forum.posts import service as posts
from tests.factories import make_thread, make_user
from tests.mail_server import _free_port, links_in, text_of

CHOOSE = "Choose one of: Off, Each notification, Daily digest."


@pytest.fixture
def lou(app):
    return make_user(username="lou_d", display_name="Lou Dobbs", email="lou@example.com")


@pytest.fixture
def send(app):
    runner = app.test_cli_runner()

    def invoke():
        result = runner.invoke(args=["forum", "send-mail"])
        db.session.expire_all()  # the command wrote through its own session
        return result

    return invoke


def choose(user, choice):
    with write_transaction() as session:
        session.get(User, user.id).email_notifications = choice


def mention(user, thread=None, writer=None, text="hi"):
    """A post mentioning `user`: one notification for them."""
    writer = writer or make_user(display_name="Susan Tyler", name_style="short")
    return posts.add_reply(thread or make_thread(title="Bridge vote"), writer, f"{text} @{user.username}")


def chosen(html):
    """The value of the radio button that is checked."""
    return re.search(r'<input checked [^>]*name="email_notifications"[^>]* value="(\w+)"', html).group(1)


def setting_of(user):
    return db.session.scalar(db.select(User.email_notifications).where(User.id == user.id))


# The settings page


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_the_email_settings_page_starts_at_off(client, lou, htmx):
    client.sign_in(lou)
    response = client.fragment("/settings/email") if htmx else client.get("/settings/email")
    assert response.status_code == 200 and response.text.lstrip().startswith('<div id="email-settings">') is htmx
    assert chosen(response.text) == "off" and 'value="daily"' in response.text
    assert ("lou@example.com" in response.text) is not htmx and "HX-Request-Type" in response.headers["Vary"]
    assert 'href="/settings/email">Email: whether we email you about notifications</a>' in client.get("/settings").text


def test_guests_are_sent_to_sign_in(client):
    response = client.get("/settings/email")
    assert response.status_code == 302 and response.location.startswith("/login")


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_choosing_and_a_bad_choice(client, lou, htmx):
    client.sign_in(lou)
    saved = client.submit("/settings/email", {"email_notifications": "daily"}, htmx=htmx)
    if htmx:
        assert saved.status_code == 200 and chosen(saved.text) == "daily"
        assert "Notification email: Daily digest." in saved.text  # the flash, out of band
    else:
        assert saved.status_code == 302 and saved.location == "/settings/email"
    assert setting_of(lou) == "daily"
    for bad in ({"email_notifications": "hourly"}, {}):
        refused = client.submit("/settings/email", bad, htmx=htmx)
        assert refused.status_code == 422 and CHOOSE in refused.text and ("<html" in refused.text) is not htmx
    assert setting_of(lou) == "daily"


def test_a_suspended_member_may_still_turn_email_off(client, lou):
    choose(lou, "each")
    sanctions.issue(make_user(role="admin"), lou, SanctionRequest(kind="suspension", reason="Cool off.", days=2))
    client.sign_in(lou)
    assert client.submit("/settings/email", {"email_notifications": "off"}).status_code == 302
    assert setting_of(lou) == "off"


# Sending


def test_nothing_is_sent_to_members_who_left_it_off(send, smtp_server, lou):
    mention(lou)
    assert send().exit_code == 0
    assert smtp_server.messages == []


def test_each_sends_what_is_new_once(send, smtp_server, lou):
    choose(lou, "each")
    mention(lou)
    result = send()
    assert result.exit_code == 0 and "Sent 1 mail." in result.output
    [message] = smtp_server.messages
    assert message["To"] == "lou@example.com" and message["Subject"] == "Susan T. mentioned you in “Bridge vote”"
    assert "Susan T. mentioned you in “Bridge vote”" in text_of(message) and "/settings/email" in links_in(message)
    assert "Sent 0 mails." in send().output and len(smtp_server.messages) == 1  # not twice
    thread = make_thread(title="Parking")
    mention(lou, thread), mention(lou, thread, text="again")
    send()
    assert len(smtp_server.messages) == 2 and smtp_server.messages[1]["Subject"] == "2 new notifications on Forum"
    assert text_of(smtp_server.messages[1]).count("in “Parking”") == 2
    assert db.session.scalar(db.select(db.func.count()).where(Notification.emailed_at.is_(None))) == 0


def test_titles_are_plain_in_the_text_and_escaped_in_the_html(send, smtp_server, lou):
    choose(lou, "each")
    mention(lou, make_thread(title="Tom & Jerry <b>live</b>"))
    send()
    [message] = smtp_server.messages
    assert "“Tom & Jerry <b>live</b>”" in text_of(message) and "<b>live" not in message.get_body(("html",)).get_content()
    assert "Tom &amp; Jerry &lt;b&gt;live&lt;/b&gt;" in message.get_body(("html",)).get_content()


def test_read_and_no_longer_visible_notifications_are_not_mailed(send, smtp_server, lou):
    choose(lou, "each")
    removed_thread = make_thread(title="Gone thread")
    mention(lou, removed_thread)
    deleted = mention(lou, make_thread(title="Deleted post"))
    posts.delete_post(deleted, deleted.author)
    thread_moderation.remove(make_user(role="moderator"), removed_thread, "spam")
    read = make_thread(title="Already read")
    mention(lou, read)
    with write_transaction() as session:
        session.execute(db.update(Notification).where(Notification.post_id.in_(
            db.select(Post.id).where(Post.thread_id == read.id))).values(read_at=utcnow()))
    mention(lou, make_thread(title="Still here"))
    send()
    [message] = smtp_server.messages
    assert message["Subject"] == "Susan T. mentioned you in “Still here”"


def test_turning_email_on_does_not_mail_the_backlog(client, send, smtp_server, lou):
    mention(lou)
    client.sign_in(lou)
    client.submit("/settings/email", {"email_notifications": "each"})
    send()
    assert smtp_server.messages == []
    mention(lou, make_thread(title="Fresh"))
    send()
    assert [m["Subject"] for m in smtp_server.messages] == ["Susan T. mentioned you in “Fresh”"]


def test_the_daily_digest_goes_once_a_day(send, smtp_server, lou):
    choose(lou, "daily")
    mention(lou)
    send()
    [digest] = smtp_server.messages
    assert digest["Subject"] == "Your daily digest from Forum: 1 new notification"
    assert "since your last digest" in text_of(digest)
    mention(lou, make_thread(title="Later that day"))
    send()
    assert len(smtp_server.messages) == 1  # the next digest waits for the day to pass
    with write_transaction() as session:
        member = session.get(User, lou.id)
        member.email_digest_sent_at -= timedelta(hours=25)
    send()
    assert len(smtp_server.messages) == 2 and "Later that day" in text_of(smtp_server.messages[1])
    assert "Bridge vote" not in text_of(smtp_server.messages[1])


def test_a_refused_mail_is_tried_again_next_run(app, send, smtp_server, lou):
    choose(lou, "daily")
    mention(lou)
    working_port = app.config["MAIL_PORT"]
    app.config.update(MAIL_PORT=_free_port(), MAIL_TIMEOUT=2)  # nothing listens there
    failed = send()
    assert failed.exit_code == 1 and "Could not send to 1 member(s)" in failed.output and "lou_d" in failed.output
    assert db.session.get(User, lou.id).email_digest_sent_at is None
    app.config["MAIL_PORT"] = working_port
    assert send().exit_code == 0 and len(smtp_server.messages) == 1


def test_without_a_base_url_real_mail_is_not_sent(app, send, smtp_server, lou):
    choose(lou, "each")
    mention(lou)
    app.config["BASE_URL"] = None
    result = send()
    assert result.exit_code == 1 and "Set FORUM_BASE_URL" in result.output and smtp_server.messages == []


# Unsubscribing from the mail


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_the_unsubscribe_link_turns_email_off_without_signing_in(app, send, smtp_server, lou, htmx):
    choose(lou, "each")
    mention(lou)
    send()
    [message] = smtp_server.messages
    [link] = [path for path in links_in(message) if path.startswith("/email/unsubscribe/")]
    assert message["List-Unsubscribe"].endswith(link + ">")
    guest = app.test_client()
    page = guest.fragment(link) if htmx else guest.get(link)
    assert page.status_code == 200 and "Turn off email</button>" in page.text and "@lou_d" in page.text
    done = guest.submit(link, htmx=htmx)
    assert setting_of(lou) == "off"
    if htmx:
        assert done.status_code == 200 and done.text.lstrip().startswith('<div id="unsubscribe">')
    else:
        assert done.status_code == 302 and done.location == link
    assert "Notification email is off for @lou_d" in (done.text if htmx else guest.get(link).text)


def test_a_garbled_unsubscribe_link_is_refused(client, lou):
    for method in (client.get, client.submit):
        response = method("/email/unsubscribe/WzFd.garbled")
        assert response.status_code == 400 and "This unsubscribe link is not valid" in response.text
