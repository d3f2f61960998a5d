"""A real SMTP server on 127.0.0.1 (aiosmtpd): the mail the forum sends in a test arrives here."""

import re
import socket
import time
from email import message_from_bytes, policy
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller

from forum import mail

BASE_URL = "http://forum.test"
LINK = re.compile(re.escape(BASE_URL) + r"/\S+")


class Inbox:
    """Collects every message the server accepts, as parsed email messages."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        message.recipients = list(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list:
        """The messages, once at least `count` have arrived (mail may be sent from a background thread)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.messages) >= count, f"{len(self.messages)} mail(s) arrived, expected {count}"
        return self.messages


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def links_in(message) -> list[str]:
    """The paths of the forum links in a message's plain text."""
    return [urlsplit(url).path for url in LINK.findall(text_of(message))]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """Start the server and point the app's FORUM_MAIL_* settings at it; yields the Inbox."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, BASE_URL=BASE_URL,
                      MAIL_SENDER="Test Forum <forum@forum.test>")
    try:
        yield inbox
    finally:
        mail.wait_for_background()
        controller.stop()
