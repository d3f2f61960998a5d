"""A real SMTP server on 127.0.0.1 (aiosmtpd): the mail the forum sends in a test arrives here."""

import logging
import re
import socket
import time
from contextlib import contextmanager
from email import message_from_bytes, policy
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller

from forum import mail

# The test SMTP server's own chatter (each connection, at INFO) is not the forum's log.
logging.getLogger("mail.log").setLevel(logging.WARNING)

BASE_URL = "http://forum.test"
LINK = re.compile(re.escape(BASE_URL) + r"/\S+")
FINISH_LINK = re.compile(r"https?://[^/\s]+(/register/finish/\S+)")


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

    def last_to(self, address: str, timeout: float = 5.0):
        """The newest message to `address`, waiting for one to arrive (sent from a background thread)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mail.wait_for_background(timeout)
            found = [m for m in self.messages if address.strip().lower() in m.recipients]
            if found:
                return found[-1]
            time.sleep(0.02)
        raise AssertionError(f"no mail to {address} arrived; mail arrived to {[m['To'] for m in self.messages]}")


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def links_in(message) -> list[str]:
    """The paths of the forum links in a message's plain text."""
    return [urlsplit(url).path for url in LINK.findall(text_of(message))]


def finish_link(message) -> str:
    """The path of the link that finishes a registration, from the mail that a registration sends."""
    links = FINISH_LINK.findall(text_of(message))  # whatever BASE_URL the app has (a live server's too)
    assert len(links) == 1, text_of(message)
    return links[0]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def receiving(app, base_url: str = BASE_URL):
    """Start the server and point the app's FORUM_MAIL_* settings (and its links) at it; yields the Inbox."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, BASE_URL=base_url,
                      MAIL_SENDER="Test Forum <forum@forum.test>")
    try:
        yield inbox
    finally:
        mail.wait_for_background()
        controller.stop()


@pytest.fixture
def smtp_server(app):
    """The app's mail, received by a real SMTP server; yields the Inbox."""
    with receiving(app) as inbox:
        yield inbox
