"""Email: compose a message from templates/mail/, send it over SMTP, or print it in development.

Settings (forum/config.py): MAIL_SERVER, MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD, MAIL_STARTTLS,
MAIL_SSL, MAIL_SENDER, MAIL_TIMEOUT, and BASE_URL for the links. Without MAIL_SERVER every message
is printed to standard output instead of sent. Sending never raises: a failure is logged and
reported as False, so a request that sends mail still answers normally.

Mail a request sends (`send(…, background=True)`) is a job (forum/jobs.py): the request does not
wait for the SMTP server, and a mail the server refuses or cannot take now is tried again with
back-off by the worker, and listed for the admins if it never goes.
"""

import logging
import smtplib
import ssl
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import current_app, has_request_context, render_template, request
from jinja2 import TemplateNotFound

from . import jobs, logs, metrics
from .settings import site_setting

log = logging.getLogger(__name__)

SETTINGS = ("MAIL_SERVER", "MAIL_PORT", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_STARTTLS", "MAIL_SSL",
            "MAIL_TIMEOUT")


class MailError(RuntimeError):
    """Mail cannot be composed as configured (no BASE_URL for the links of mail really sent)."""


def base_url() -> str:
    """Where links in mail point: BASE_URL; in development (mail printed), the request's own address.

    Mail that is really sent never takes its links from the request: the Host header is the
    sender's to choose, and a reset link pointing at their host would hand them the token.
    """
    configured = current_app.config.get("BASE_URL")
    if configured:
        return configured.rstrip("/") + "/"
    if current_app.config.get("MAIL_SERVER"):
        raise MailError("Set FORUM_BASE_URL (the forum's public address) so that mail can link to it.")
    return request.url_root if has_request_context() else "http://127.0.0.1:5000/"


def external_url(endpoint: str, **values) -> str:
    """An absolute link to a page of the forum, for mail: url_for on base_url(), in or out of a request."""
    base = urlsplit(base_url())
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path, url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def compose(to: str, subject: str, template: str, headers: dict | None = None, **context) -> EmailMessage:
    """A message with the text of templates/mail/<template>.txt, and .html as an alternative if there is one.

    Links reach the templates in `context`, made with external_url().
    """
    message = EmailMessage()
    sender = current_app.config["MAIL_SENDER"]
    name, address = parseaddr(sender)
    message["From"] = sender if name else formataddr((site_setting("SITE_NAME"), address))
    message["To"] = to
    message["Subject"] = " ".join(subject.split())  # a line break would end the header
    message["Message-ID"] = make_msgid(domain=address.rpartition("@")[2] or None)
    for header, value in (headers or {}).items():
        message[header] = value
    context.setdefault("site_name", site_setting("SITE_NAME"))
    message.set_content(render_template(f"mail/{template}.txt", **context))
    try:
        html = render_template(f"mail/{template}.html", **context)
    except TemplateNotFound:
        html = None
    if html:
        message.add_alternative(html, subtype="html")
    return message


def send(message: EmailMessage, background: bool = False) -> bool:
    """Send the message (or print it, with no MAIL_SERVER); False, and logged, when that failed.

    `background` queues it as a job (True once queued), so the request does not wait for the SMTP
    server: a slow server neither holds up the page nor tells, by the delay, who has an account.
    """
    if nowhere(message["To"]):
        log.info("Mail %r not sent: the member has no email address", message["Subject"])
        return False
    settings = {name: current_app.config.get(name) for name in SETTINGS}
    if not settings["MAIL_SERVER"]:
        return _print(message)
    if not background:
        return _deliver(settings, message)
    deliver(message.as_bytes())
    return True


@jobs.task()
def deliver(message: bytes) -> None:
    """The job: send a composed message with the worker's mail settings; raise (to be tried again) if it
    did not go."""
    parsed = message_from_bytes(message, policy=policy.default)
    if not _deliver({name: current_app.config.get(name) for name in SETTINGS}, parsed):
        raise MailNotSent(f"the mail server did not take mail {parsed['Subject']!r} (the worker's log says why)")


def nowhere(to: str | None) -> bool:
    """An address in the reserved .invalid domain (RFC 2606), such as a member made from a publisher's
    account without an email address has (forum/auth/service/external.py): nothing is sent there."""
    return parseaddr(to or "")[1].lower().rstrip(".").endswith(".invalid")


class MailNotSent(RuntimeError):
    """A queued mail did not go: the job is tried again."""


def wait_for_background(timeout: float = 10.0) -> None:
    """Nothing to wait for: mail queued in a test (JOBS_IMMEDIATE) was sent when it was queued. Kept for
    the tests that wait for mail sent from a request."""


def _deliver(settings: dict, message: EmailMessage) -> bool:
    """One SMTP conversation: connect (SSL or STARTTLS), sign in if configured, send."""
    use_ssl, starttls = bool(settings["MAIL_SSL"]), bool(settings["MAIL_STARTTLS"])
    port = settings["MAIL_PORT"] or (465 if use_ssl else 587 if starttls else 25)
    timeout = settings["MAIL_TIMEOUT"] or 10
    try:
        if use_ssl:
            smtp = smtplib.SMTP_SSL(settings["MAIL_SERVER"], port, timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(settings["MAIL_SERVER"], port, timeout=timeout)
        with smtp:
            if starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings["MAIL_USERNAME"]:
                # str(): FORUM_MAIL_PASSWORD=123456 reaches the config as a number (forum.config: Flask's from_prefixed_env).
                smtp.login(str(settings["MAIL_USERNAME"]), str(settings["MAIL_PASSWORD"] or ""))
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as error:  # OSError: refused, unreachable, timed out, TLS
        metrics.MAIL_FAILED.inc()
        log.error("Could not send mail %r to %s via %s:%s: %s", message["Subject"], recipient(message),
                  settings["MAIL_SERVER"], port, without_addresses(str(error)))
        return False
    metrics.MAIL_SENT.inc()
    log.info("Sent mail %r to %s", message["Subject"], recipient(message))
    return True


def recipient(message: EmailMessage) -> str:
    """Who a message went to, as the log may say it: the domain alone (no email address is logged)."""
    return "an address at " + str(message["To"]).rpartition("@")[2].rstrip(">")


without_addresses = logs.without_addresses


def _print(message: EmailMessage) -> bool:
    """Development: show the message on standard output, where the person running the forum sees it."""
    text = message.get_body(("plain",)).get_content()
    rule = "-" * 64
    print(f"{rule}\nMail (not sent: FORUM_MAIL_SERVER is not set)\nFrom: {message['From']}\n"
          f"To: {message['To']}\nSubject: {message['Subject']}\n\n{text.rstrip()}\n{rule}", flush=True)
    log.info("Printed mail %r to %s (no MAIL_SERVER)", message["Subject"], recipient(message))
    return True
