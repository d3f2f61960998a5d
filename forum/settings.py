"""Site settings: what an admin changes at /admin/settings while the forum runs, and how every worker
process reads them.

SETTINGS below is the one list of them: a feature that wants a new setting adds a row (and its
default to forum.config.Defaults, under the same name). A setting's value is, in order:

1. `FORUM_<NAME>` in the environment, when it is set: fixed, the page shows it and cannot change it;
2. the value an admin saved (a row of site_settings, JSON);
3. the configuration: forum.config.Defaults, then instance/config.py.

App code reads a value with `site_setting("FLAG_HIDE_THRESHOLD")`, never app.config, for these names.
Each worker keeps the saved values in memory and reads them again at most once a second
(REFRESH_SECONDS), so a change made through any worker is in force in all of them within about a
second, without a restart; the worker that saved it reads them again at once. A change is a public
write (a new pages_version, forum.database), so the guest pages each worker keeps are stale, and a
page rendered for a guest first brings the settings up to the version it is kept under (refresh_for).
"""

import json
import logging
import math
import os
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from hashlib import sha256
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, url_for
from limits import parse_many
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from . import looks
from .extensions import db
from .looks import contrast
from .models import SiteSetting
from .refusals import FieldError

log = logging.getLogger(__name__)

REFRESH_SECONDS = 1.0
LOGO_FILE = re.compile(r"logo-[A-Za-z0-9_-]{12}\.webp")  # the names admin/service/settings.py gives logos
BUILT_IN_ACCENT = "#0b5cad"  # static/css/forum.css's --accent, with its own dark-mode partner
LOGO_BOX = (480, 96)  # pixels: an uploaded logo is shrunk to fit (twice the size the header shows)
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
LIMIT_HINT = "such as “10 per minute”, several joined by “;” (“5 per minute; 20 per hour”)"


@dataclass(frozen=True)
class Setting:
    """One setting. `name` is its app.config key (and FORUM_<name>); `kind` says how it is typed and
    checked: text, int, choice, bool (on or off, `choices` naming "true" and "false"), limit (a rate
    limit), colour (#rrggbb), image (an uploaded picture's file name, set by its own form), origins (a
    list of site addresses, scheme://host[:port]), looks (a list of publishers' colours and fonts, one a
    line: forum.looks), url (one https address, or http on this machine: an OpenID provider's issuer), link
    (an http or https address: a publisher's page) or reactions (a list of emoji with their names,
    `reactions()`)."""

    name: str
    kind: str
    section: str
    label: str
    help: str = ""
    minimum: int | None = None
    maximum: int | None = None
    max_length: int = 200
    required: bool = True
    choices: tuple[tuple[str, str], ...] = field(default=())

    @property
    def field_name(self) -> str:
        """The form input's name."""
        return self.name.lower()

    def clean(self, value):
        """The value as stored, from what a form or the database gave; FieldError when it is not one."""
        if self.kind == "origins":
            return _clean_origins(self, value)
        if self.kind == "looks":
            return _clean_looks(self, value)
        if self.kind == "int":
            if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,9}\s*", value):
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int):
                raise FieldError(self.field_name, f"Enter a whole number from {self.minimum} to {self.maximum}.")
            if not self.minimum <= value <= self.maximum:
                raise FieldError(self.field_name, f"Enter a whole number from {self.minimum} to {self.maximum}.")
            return value
        if self.kind == "bool":
            return _clean_bool(self, value)
        if not isinstance(value, str):
            raise FieldError(self.field_name, "Enter a value.")
        value = value.strip()
        if not value and self.required:
            raise FieldError(self.field_name, f"Enter the {self.label.lower()}.")
        if len(value) > self.max_length:
            raise FieldError(self.field_name, f"Use at most {self.max_length} characters.")
        if self.kind == "choice" and value not in dict(self.choices):
            raise FieldError(self.field_name, "Choose one of the options.")
        if self.kind == "limit":
            return _clean_limit(self, value)
        if self.kind == "colour":
            return _clean_colour(self, value)
        if self.kind == "reactions":
            return _clean_reactions(self, value)
        if self.kind == "url" and value:
            return _clean_url(self, value)
        if self.kind == "link" and value and origin_of(value) is None:
            raise FieldError(self.field_name, "Write a whole address, such as https://news.example.com/login.")
        if self.kind == "image" and value and not LOGO_FILE.fullmatch(value):
            raise FieldError(self.field_name, "Upload the picture: it is stored under a name of its own.")
        return value

    def describe(self, value) -> str:
        """The value as the page and the log say it."""
        if self.kind in ("choice", "bool"):
            return dict(self.choices).get(self.form_value(value), str(value))
        if self.kind in ("origins", "looks"):
            return ("; " if self.kind == "looks" else ", ").join(value) if value else "(none)"
        return str(value) if value != "" else "(none)"

    def form_value(self, value):
        """The value as the form's input holds it ("true" or "false" for an on/off setting)."""
        if self.kind == "bool":
            return "true" if value else "false"
        return value


def _clean_bool(setting: Setting, value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise FieldError(setting.field_name, "Choose one of the options.")


MAX_ORIGINS = 20


def origin_of(url: str) -> str | None:
    """The origin (scheme://host[:port], lower case, without a default port) of an http(s) address, or None
    for anything else (another scheme, no host, a user name or password in it, a port out of range)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    if any(ch.isspace() or ch in "\\<>\"'`" for ch in url.strip()):
        return None
    scheme, host = parts.scheme.lower(), parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[scheme]
    return f"{scheme}://{host}" + (f":{port}" if port not in (None, default) else "")


def _clean_origins(setting: Setting, value) -> list[str]:
    """A list of origins, from a list (the database, FORUM_EMBED_ORIGINS as JSON) or text (the form, or the
    environment as plain text): one per line, or separated by spaces or commas. Each is a site's address alone."""
    items = value if isinstance(value, list) else re.split(r"[\s,]+", value) if isinstance(value, str) else None
    if items is None or not all(isinstance(item, str) for item in items):
        raise FieldError(setting.field_name, "Write one site address a line, such as https://news.example.com.")
    origins: list[str] = []
    for item in filter(None, (item.strip() for item in items)):
        origin = _one_origin(setting, item)
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        raise FieldError(setting.field_name, f"List at most {MAX_ORIGINS} sites.")
    return origins


def _one_origin(setting: Setting, item: str) -> str:
    origin = origin_of(item)
    if origin is None or urlsplit(item).path not in ("", "/") or urlsplit(item).query or "#" in item:
        raise FieldError(setting.field_name, f"“{item[:80]}” is not a site address: write the scheme, host "
                                             "and port alone, such as https://news.example.com.")
    return origin


def _clean_looks(setting: Setting, value) -> list[str]:
    """Publishers' colours and fonts (forum.looks), one line a site, from a list (the database, the
    environment as JSON) or text (the form): each line as the forum writes it, or FieldError saying which."""
    if isinstance(value, str) and len(value) > setting.max_length:
        raise FieldError(setting.field_name, f"Use at most {setting.max_length} characters.")
    lines = value if isinstance(value, list) else value.splitlines() if isinstance(value, str) else None
    if lines is None or not all(isinstance(line, str) for line in lines):
        raise FieldError(setting.field_name, "Write one site a line, such as https://news.example.com accent=#8a1538.")
    cleaned: dict[str, str] = {}
    for line in filter(None, (line.strip() for line in lines)):
        first, _, rest = line.partition(" ")
        origin = _one_origin(setting, first)
        if origin in cleaned:
            raise FieldError(setting.field_name, f"{origin} has two lines: give each site one.")
        try:
            cleaned[origin] = looks.parse(origin, rest).line
        except FieldError as wrong:
            raise FieldError(setting.field_name, f"{origin}: {wrong.message}") from None
    if len(cleaned) > MAX_ORIGINS:
        raise FieldError(setting.field_name, f"List at most {MAX_ORIGINS} sites.")
    return list(cleaned.values())
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def _clean_url(setting: Setting, value: str) -> str:
    """An https address, kept as written (an OpenID issuer is compared character for character); plain http
    only on this machine, for trying a provider out. No query, fragment, user name or password."""
    origin = origin_of(value)
    parts = urlsplit(value)
    if origin is None or parts.query or "#" in value:
        raise FieldError(setting.field_name, "Write the whole address, such as https://id.example.com/realms/news.")
    if parts.scheme.lower() != "https" and (parts.hostname or "").lower() not in LOOPBACK_HOSTS:
        raise FieldError(setting.field_name, "Write an https:// address (plain http only for this machine, "
                                             "such as http://127.0.0.1:8080, to try a provider out).")
    return value


def _clean_limit(setting: Setting, value: str) -> str:
    try:
        items = parse_many(value)
    except ValueError:
        items = []
    if not items:
        raise FieldError(setting.field_name, f"Write a limit {LIMIT_HINT}.")
    return "; ".join(" ".join(part.split()) for part in value.split(";") if part.strip())


def _clean_colour(setting: Setting, value: str) -> str:
    if not COLOUR.fullmatch(value):
        raise FieldError(setting.field_name, "Write the colour as # and six hexadecimal digits, such as #0b5cad.")
    ratio = contrast(value, "#ffffff")
    if ratio < 4.5:
        raise FieldError(setting.field_name, f"White text on this colour has a contrast of {ratio:.1f}:1; it needs "
                                             "4.5:1 to be readable. Choose a darker colour.")
    return value.lower()


@dataclass(frozen=True)
class Reaction:
    """One reaction a member may give a post besides Like: its emoji (what is stored) and its name
    (what a screen reader says, and the tooltip)."""

    emoji: str
    label: str


MAX_REACTIONS = 8
REACTIONS_HINT = "such as “👍 Thumbs up, 😂 Funny”: each an emoji and its name, joined by commas"
# The code points an emoji is made of: symbols, and the modifiers, variation selectors, joiners and tags
# that combine them (skin tones, flags, families). Letters, digits, punctuation, spaces and controls are not emoji.
EMOJI_PARTS = {"So", "Sk", "Mn", "Me"}
JOINERS = {"\u200d"} | {chr(c) for c in range(0xE0020, 0xE0080)}
REACTION_LABEL = re.compile(r"[^\W\d_][^\W_]*(?:[ '’-][^\W_]+)*")


def _clean_reactions(setting: Setting, value: str) -> str:
    """The list written the one way the forum stores it ("👍 Thumbs up, 😂 Funny"), or FieldError."""
    items = [item.strip() for item in value.split(",")] if value else []
    if len(items) > MAX_REACTIONS:
        raise FieldError(setting.field_name, f"List at most {MAX_REACTIONS} reactions (Like is always there).")
    seen_emoji, seen_labels, cleaned = set(), {"like"}, []
    for item in items:
        emoji, _, label = item.partition(" ")
        label = " ".join(label.split())
        if not item or not _is_emoji(emoji) or not label:
            raise FieldError(setting.field_name, f"Write each reaction as an emoji and its name, {REACTIONS_HINT}: "
                                                 f"“{item}” is not one.")
        if len(label) > 20 or not REACTION_LABEL.fullmatch(label):
            raise FieldError(setting.field_name, f"Name “{emoji}” in words of at most 20 letters, such as “Funny”.")
        if emoji in seen_emoji or label.casefold() in seen_labels:
            raise FieldError(setting.field_name, f"“{item}” is listed twice (or is called Like, which is "
                                                 "always there). Give each reaction its own emoji and name.")
        seen_emoji.add(emoji)
        seen_labels.add(label.casefold())
        cleaned.append(f"{emoji} {label}")
    return ", ".join(cleaned)


def _is_emoji(text: str) -> bool:
    """One emoji (possibly joined from several, with its modifiers), of at most 16 code points."""
    if not 0 < len(text) <= 16 or unicodedata.category(text[0]) != "So":
        return False
    return all(unicodedata.category(char) in EMOJI_PARTS or char in JOINERS for char in text)


@lru_cache(maxsize=8)
def reactions_in(value: str) -> tuple[Reaction, ...]:
    """The reactions a REACTIONS value lists, in its order (read on every page: kept). A value from the
    configuration is not checked as a saved one is: one that is not a list leaves Like alone, and says so."""
    try:
        value = BY_NAME["REACTIONS"].clean(value)
    except FieldError as error:
        log.warning("REACTIONS is not a list of reactions (%s): only Like is offered", error)
        return ()
    return tuple(Reaction(*item.split(" ", 1)) for item in value.split(", ")) if value else ()


def reactions() -> tuple[Reaction, ...]:
    """The reactions members may give now, besides Like."""
    return reactions_in(site_setting("REACTIONS"))


def _limit(name, section, label, help=""):
    return Setting(name, "limit", section, label, help=help or f"Write it {LIMIT_HINT}.", max_length=100)


SETTINGS: tuple[Setting, ...] = (
    Setting("SITE_NAME", "text", "The site", "Site name", max_length=60,
            help="In the header, each page's title and the mail the forum sends."),
    Setting("SITE_DESCRIPTION", "text", "The site", "Description", max_length=300, required=False,
            help="A sentence under the name on the front page, and the description search engines show."),
    Setting("ACCENT_COLOUR", "colour", "The site", "Accent colour", max_length=7,
            help="Buttons and links, as # and six hexadecimal digits (such as #0b5cad). White text on it must "
                 "be readable; dark mode uses a lighter mix of it."),
    Setting("LOGO", "image", "The site", "Logo", required=False, max_length=40,
            help="Shown before the name in the header. A PNG, JPEG, GIF or WebP picture; it is shrunk to fit "
                 f"{LOGO_BOX[0]}×{LOGO_BOX[1]} pixels and stored afresh, without its metadata."),
    Setting("REGISTRATION_MODE", "choice", "Registration", "New accounts",
            choices=(("open", "Open: anyone may create an account"),
                     ("invite", "By invitation: only with an invitation link"),
                     ("closed", "Closed: nobody may create an account"))),
    Setting("STAFF_TWO_FACTOR", "choice", "Sign-in", "Two-factor sign-in for staff",
            choices=(("optional", "Optional: each member chooses"),
                     ("required", "Required for moderators and admins")),
            help="When required, a moderator or admin without it is sent to set it up before any other page."),
    Setting("EMAIL_CONFIRMATION", "bool", "Registration", "Email confirmation",
            choices=(("true", "Required: an account is made once its address has followed the mailed link"),
                     ("false", "Not required: the form asks for a password and signs the newcomer in at once "
                               "(a private or trusted community)"))),
    Setting("REFUSE_DISPOSABLE_EMAIL", "bool", "Registration", "Throwaway addresses",
            choices=(("true", "Refused, except the domains allowed at /admin/domains"),
                     ("false", "Accepted like any other address"))),
    Setting("INVITE_DAYS", "int", "Registration", "Days an invitation works", minimum=1, maximum=90,
            help="An invitation link makes one account, within this many days of being made."),
    Setting("REGISTER_MIN_SECONDS", "int", "Bot traps", "Seconds before a registration may be sent",
            minimum=0, maximum=60, help="A registration form sent back sooner after it was shown comes back with "
                                        "a message, everything typed kept. 0 turns the check off."),
    Setting("GUEST_FORM_MIN_SECONDS", "int", "Bot traps", "Seconds before a sign-in or reset may be sent",
            minimum=0, maximum=60, help="The same for the sign-in and password-reset forms (password managers "
                                        "fill those fast: keep it small). 0 turns the check off."),
    Setting("REGISTER_CHALLENGE_MAX_NUMBER", "int", "Bot traps", "Size of the registration puzzle",
            minimum=1000, maximum=10_000_000,
            help="The numbers a browser may have to try to solve the proof-of-work puzzle: 100000 is about a "
                 "second's work; ten times more is ten times slower, for bots and people alike."),
    _limit("REGISTER_UNSOLVED_RATE_LIMIT", "Bot traps", "Registrations without JavaScript",
           "Registrations sent without a solved puzzle, per IP address, on top of the limit for all registrations."),
    _limit("REGISTER_RATE_LIMIT", "Rate limits", "Registrations",
           "Registration mails, per IP address and per email address."),
    _limit("LOGIN_RATE_LIMIT", "Rate limits", "Failed sign-ins", "Per address and per account."),
    _limit("PASSWORD_RESET_RATE_LIMIT", "Rate limits", "Password resets",
           "Reset requests, per IP address and per email address."),
    _limit("REPLY_RATE_LIMIT", "Rate limits", "Replies", "Replies posted, per member."),
    _limit("THREAD_RATE_LIMIT", "Rate limits", "New threads", "Threads started, per member."),
    _limit("CONVERSATION_RATE_LIMIT", "Rate limits", "Private conversations",
           "Private conversations started, per member (their messages count as replies)."),
    _limit("AVATAR_RATE_LIMIT", "Rate limits", "Picture uploads", "Per member."),
    _limit("INVITE_RATE_LIMIT", "Rate limits", "Invitations", "Invitation links made, per member (admins too)."),
    _limit("IMAGE_UPLOAD_RATE_LIMIT", "Rate limits", "Images in posts",
           "Images uploaded for posts, per member (pasted, dropped or attached)."),
    Setting("IMAGE_MAX_KB", "int", "Images in posts", "Largest image, in KB", minimum=50, maximum=50 * 1024,
            help="An uploaded file larger than this is refused before it is read. Every image is re-encoded "
                 "(metadata such as a photo's location removed) and stored afresh."),
    Setting("IMAGE_MAX_MEGAPIXELS", "int", "Images in posts", "Largest image, in megapixels", minimum=1,
            maximum=100, help="Width × height, read from the file's header before it is decoded: a small file "
                              "may claim an enormous picture."),
    Setting("IMAGES_PER_POST", "int", "Images in posts", "Images per post", minimum=0, maximum=50,
            help="0 turns images in posts off. New members' images show as “image hidden — new member”, "
                 "as their links do."),
    Setting("NEW_MEMBER_MIN_POSTS", "int", "Trust levels", "Posts to become a member", minimum=0, maximum=1000,
            help="Trust levels (README, “Trust levels”): a new member becomes a member once they have this many "
                 "posts, are old enough and have read enough (below). New members' links are hidden and their "
                 "limits are tighter."),
    Setting("NEW_MEMBER_MIN_DAYS", "int", "Trust levels", "Days to become a member", minimum=0, maximum=365,
            help="Days since they joined."),
    Setting("TRUST_MEMBER_MIN_READ", "int", "Trust levels", "Posts read to become a member", minimum=0,
            maximum=100000),
    Setting("TRUST_REGULAR_MIN_POSTS", "int", "Trust levels", "Posts to become a regular", minimum=0, maximum=10000,
            help="Regulars may invite people and their flags count double."),
    Setting("TRUST_REGULAR_MIN_DAYS", "int", "Trust levels", "Days to become a regular", minimum=0, maximum=3650),
    Setting("TRUST_REGULAR_MIN_READ", "int", "Trust levels", "Posts read to become a regular", minimum=0,
            maximum=1000000),
    Setting("TRUST_REGULAR_MAX_FLAGS", "int", "Trust levels", "Most flags received by a regular", minimum=0,
            maximum=10000, help="A member whose posts were flagged more often than this by others does not "
                                "become a regular on their own."),
    _limit("NEW_MEMBER_REPLY_RATE_LIMIT", "New members", "Replies by new members"),
    _limit("NEW_MEMBER_THREAD_RATE_LIMIT", "New members", "New threads by new members"),
    _limit("NEW_MEMBER_CONVERSATION_RATE_LIMIT", "New members", "Private conversations started by new members"),
    Setting("NEW_MEMBER_MAX_MENTIONS", "int", "New members", "Mentions per post by new members", minimum=0,
            maximum=50, help="Later @names stay plain text. Never more than the limit for everyone."),
    Setting("NEW_MEMBER_POST_REVIEW", "choice", "New members", "Review of new members’ posts",
            choices=(("publish", "Published at once"),
                     ("links", "Published, unless they contain a link: then held for a moderator"),
                     ("hold", "Held until a moderator approves them")),
            help="A held post is seen only by its author and the moderators (in the review queue) until it is "
                 "approved; its mentions and replies notify nobody before then."),
    Setting("FLAG_HIDE_THRESHOLD", "int", "Moderation", "Flags that hide a post", minimum=1, maximum=100,
            help="This many members flagging a post hide it until a moderator reviews it."),
    Setting("SPAM_FLAG_THRESHOLD", "int", "Moderation", "Spam flags that silence a new member", minimum=1,
            maximum=100,
            help="This many members flagging a new member's post as spam (or one moderator doing so) hide all "
                 "that member's posts and threads and silence them until a moderator reviews it. Lifting the "
                 "silence on their standing page brings everything back."),
    Setting("MESSAGE_MAX_PARTICIPANTS", "int", "Private conversations", "Members in one conversation",
            minimum=2, maximum=50, help="The most members one private conversation may have, its starter included."),
    Setting("REACTIONS", "reactions", "Posts", "Reactions besides Like", required=False, max_length=300,
            help=f"What members may answer a post with, besides Like: {REACTIONS_HINT}, at most {MAX_REACTIONS}. "
                 "Each member gives a post one reaction. A reaction taken off the list stays on the posts that "
                 "have it, counted, but cannot be given any more."),
    Setting("PAGE_CACHE_SECONDS", "int", "Performance", "Guest page cache, in seconds", minimum=0, maximum=3600,
            help="Pages as guests see them are kept in memory until anything changes, or at most this long. "
                 "0 turns the cache off."),
    Setting("SSO_ENABLED", "bool", "Sign-in", "Sign-in with the publisher’s accounts",
            choices=(("true", "On: the publisher's signed tokens sign readers in (README, “Signing readers in”)"),
                     ("false", "Off")),
            help="Needs FORUM_SSO_SECRET, the secret shared with the publisher, set on the server."),
    Setting("SSO_ISSUER", "text", "Sign-in", "Publisher’s name in its tokens", required=False, max_length=200,
            help="The “iss” its tokens carry, exactly. Tokens naming another issuer are refused."),
    Setting("SSO_LOGIN_URL", "link", "Sign-in", "Publisher’s sign-in page", required=False, max_length=500,
            help="Where “Sign in” sends readers, such as https://news.example.com/login. The forum adds "
                 "?return_to=…, the address to send them back to (with their token) once signed in."),
    Setting("SSO_ROLES", "bool", "Sign-in", "Staff roles in tokens",
            choices=(("true", "Honoured: “moderator” and “admin” in a token make staff, and their absence "
                              "takes it away"),
                     ("false", "Ignored: staff are made here, by hand"))),
    Setting("PASSWORD_ACCOUNTS", "bool", "Sign-in", "Password accounts",
            choices=(("true", "On: members may register and sign in with a password"),
                     ("false", "Off: no registration; only staff who have a password sign in with it "
                               "(everyone else through the publisher)"))),
    Setting("EMBED_ORIGINS", "origins", "Comments under articles", "Publisher sites", required=False,
            max_length=2000,
            help="The sites whose articles may show their comments from this forum (README, “Comments under "
                 "articles”): one address a line, scheme, host and port alone, such as https://news.example.com. "
                 "Only these may frame the comments or have a thread made for an article. Empty: none."),
    Setting("EMBED_LOOKS", "looks", "Comments under articles", "Publishers’ colours and fonts", required=False,
            max_length=4000,
            help="How the comments look on each publisher’s pages: one site a line, its address, then any of "
                 "accent=, background=, text= (for light pages), dark-accent=, dark-background=, dark-text= (for "
                 "dark ones), each # and six hexadecimal digits, and font= (up to four font names, quoted if "
                 "they have spaces), such as: https://news.example.com accent=#8a1538 font=\"Georgia, serif\". "
                 "Text, links and buttons must stay readable. A site not listed gets the forum’s own look."),
    Setting("EMBED_CATEGORY", "text", "Comments under articles", "Category of article threads", required=False,
            max_length=60,
            help="The address name (slug) of the category an article's thread is started in, the first time its "
                 "comments are shown. Empty: no new article threads."),
    Setting("EMBED_AUTHOR", "text", "Comments under articles", "Article threads are started by", required=False,
            max_length=20,
            help="The username of the account whose opening post links to the article (an editor's, say). "
                 "Empty: the first administrator."),
    Setting("EMBED_CLOSE_AFTER_DAYS", "int", "Comments under articles", "Days an article’s comments stay open",
            minimum=0, maximum=3650,
            help="An article’s comments close by themselves this many days after its thread began; staff may give "
                 "an article its own number, or close it at once, from its thread. 0: they never close by themselves."),
    Setting("STAFF_BADGE_TITLE", "text", "Moderation", "Staff badge", required=False, max_length=30,
            help="The word beside a moderator’s or administrator’s name on their posts, such as Staff or Newsroom. "
                 "Empty: no badge."),
    Setting("OIDC_ENABLED", "bool", "Sign-in with an identity provider", "OpenID Connect sign-in",
            choices=(("true", "On: the sign-in page offers the provider below"), ("false", "Off")),
            help="README, “Signing in with an identity provider”. It needs the issuer and client id below, and "
                 "the client secret in the server's configuration (FORUM_OIDC_CLIENT_SECRET) unless the provider "
                 "registered the forum as a public client."),
    Setting("OIDC_ISSUER", "url", "Sign-in with an identity provider", "Issuer address", required=False,
            max_length=200,
            help="The provider's issuer, exactly as its /.well-known/openid-configuration names it, such as "
                 "https://id.example.com/realms/news."),
    Setting("OIDC_CLIENT_ID", "text", "Sign-in with an identity provider", "Client id", required=False,
            max_length=200, help="The id the provider gave the forum when it was registered there."),
    Setting("OIDC_NAME", "text", "Sign-in with an identity provider", "Provider’s name", required=False,
            max_length=40, help="On the button: “Sign in with …” (such as “Daily Courier account”). "
                                "Empty: “your account”."),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}


def sections() -> dict[str, list[Setting]]:
    """The settings grouped as the page shows them, in the table's order."""
    grouped: dict[str, list[Setting]] = {}
    for setting in SETTINGS:
        grouped.setdefault(setting.section, []).append(setting)
    return grouped


def site_setting(name: str):
    """The value of setting `name` now (see the module's docstring)."""
    return current_app.extensions["settings"].value(name)


def store():
    return current_app.extensions["settings"]


class SettingsStore:
    """One worker's copy of the saved values, read again at most every REFRESH_SECONDS, shared by its threads."""

    def __init__(self, app):
        self.app = app
        self._saved: dict[str, object] = {}
        self._read_at = -math.inf
        self._version: str | None = None  # the pages_version refresh_for last saw
        self._lock = threading.Lock()
        self._engine = None

    def fixed(self, name: str) -> bool:
        """Whether FORUM_<name> in the environment fixes this setting."""
        return name in self.app.config["FIXED_BY_ENVIRONMENT"]

    def value(self, name: str):
        if name not in BY_NAME:
            raise KeyError(f"{name} is not a site setting (forum.settings.SETTINGS)")
        if not self.fixed(name):
            saved = self.saved()
            if name in saved:
                return saved[name]
        return self.app.config[name]

    def saved(self) -> dict[str, object]:
        """What admins saved, as this worker read it at most REFRESH_SECONDS ago."""
        if time.monotonic() - self._read_at >= REFRESH_SECONDS:
            self.read()
        return self._saved

    def refresh_for(self, version: str | None) -> None:
        """Read the values again if the site changed (a new pages_version) since they were last read this way:
        a guest's page kept under `version` must show the settings of that version, not a second-old copy."""
        if version != self._version:
            self.read(again=True)
            self._version = version

    def forget(self) -> None:
        """Read them again at the next use (after this worker saved a change)."""
        self._read_at = -math.inf

    def engine(self):
        """The app's engine, kept so that the page cache's middleware can read settings outside Flask."""
        if self._engine is None:
            with self.app.app_context():
                self._engine = db.engine
        return self._engine

    def read(self, again: bool = False) -> None:
        """Read the saved values, unless another thread did within REFRESH_SECONDS (or `again`: whatever)."""
        with self._lock:
            if not again and time.monotonic() - self._read_at < REFRESH_SECONDS:
                return  # the threads that found the copy old together: the first one read it
            try:
                with self.engine().connect() as connection:
                    rows = connection.execute(select(SiteSetting.name, SiteSetting.value)).all()
            except SQLAlchemyError:  # the database is away: keep what we had, and try again next time
                log.warning("Could not read the site settings; using the last ones read", exc_info=True)
                self._read_at = time.monotonic()
                return
            saved = {}
            for name, text in rows:
                setting = BY_NAME.get(name)
                if setting is None:  # a setting a later version removed
                    continue
                try:
                    saved[name] = setting.clean(json.loads(text))
                except (ValueError, FieldError):
                    log.warning("Ignoring the saved value of %s: %r is not a valid one", name, text)
            self._saved, self._read_at = saved, time.monotonic()


def accent_css(colour: str) -> str:
    """The stylesheet that gives the pages the accent colour (inline styles are barred by the CSP)."""
    return (f":root {{ --accent: {colour}; --accent-soft: color-mix(in srgb, {colour} 10%, white); }}\n"
            "@media (prefers-color-scheme: dark) {\n"
            f"  :root {{ --accent: color-mix(in oklab, {colour} 45%, white); "
            f"--accent-soft: color-mix(in srgb, {colour} 25%, #14171a); }}\n}}\n")


def site_css_url() -> str | None:
    """The accent stylesheet's address, or None for the colour forum.css has already (light and dark)."""
    colour = site_setting("ACCENT_COLOUR")
    if colour == BUILT_IN_ACCENT:
        return None
    return url_for("threads.site_css", v=sha256(colour.encode()).hexdigest()[:10])


def logo_folder() -> Path:
    """Where uploaded logos are kept: beside the avatars, in the upload folder every worker shares."""
    base = current_app.config.get("UPLOAD_DIR") or os.path.join(current_app.instance_path, "uploads")
    return Path(base) / "site"


def logo_url() -> str | None:
    name = site_setting("LOGO")
    return url_for("threads.site_logo", name=name) if name else None


def register(app) -> None:
    """The store, and `setting(name)` and the accent stylesheet's address (threads.site_css) for templates.
    A list of origins in the configuration is checked here: a wrong one stops the start, with the reason."""
    for setting in SETTINGS:
        if setting.kind in ("origins", "looks"):
            try:
                app.config[setting.name] = setting.clean(app.config[setting.name])
            except FieldError as wrong:
                raise ValueError(f"{setting.name}: {wrong.message}") from None
    app.extensions["settings"] = SettingsStore(app)
    app.jinja_env.globals["setting"] = site_setting
    app.jinja_env.globals["site_css_url"] = site_css_url
    app.jinja_env.globals["logo_url"] = logo_url
