"""New private messages reach members by the notification mail (each, or in the daily digest) once, as a
line naming the conversation, never with what the messages say; and only the conversation's members."""

import pytest

from forum.database import write_transaction
from forum.extensions import db
from forum.messages import service
from forum.models import User
from tests.factories import make_user
from tests.mail_server import text_of

SECRET = "The key is under the third flowerpot"


@pytest.fixture
def send(app):
    runner = app.test_cli_runner()

    def invoke():
        result = runner.invoke(args=["forum", "send-mail"])
        db.session.expire_all()
        return result

    return invoke


def choose(user, choice):
    with write_transaction() as session:
        session.get(User, user.id).email_notifications = choice


def test_a_new_message_is_mailed_once_without_its_words(send, smtp_server, app):
    lou, susan = make_user(email="lou@example.com"), make_user(display_name="Susan Tate")
    outsider = make_user(email="outsider@example.com")
    choose(lou, "each")
    choose(outsider, "each")
    conversation = service.start_conversation(susan, [lou], "Garden plans", SECRET)
    send()
    [message] = smtp_server.messages
    assert message["To"] == "lou@example.com"
    text = text_of(message)
    assert "Susan Tate wrote to you privately in “Garden plans”" in text
    assert f"/messages/{conversation.id}" in text and SECRET not in message.as_string()
    send()
    assert len(smtp_server.messages) == 1  # not twice
    service.add_message(conversation, susan, "One more thing.")
    send()
    assert len(smtp_server.messages) == 2


def test_a_read_conversation_is_not_mailed(send, smtp_server, app, client):
    lou, susan = make_user(email="lou@example.com"), make_user()
    choose(lou, "each")
    conversation = service.start_conversation(susan, [lou], "Garden plans", SECRET)
    service.mark_read(conversation, lou, conversation.last_message_id)
    send()
    assert smtp_server.messages == []


def test_nothing_is_mailed_to_a_member_who_left_email_off(send, smtp_server, app):
    lou, susan = make_user(), make_user()
    service.start_conversation(susan, [lou], "Garden plans", SECRET)
    send()
    assert smtp_server.messages == []
