"""Sign-in sessions as server-side facts: begun at sign-in, ended at sign-out, listed and ended by the member.

A browser's session and remember-me cookies carry only a random token (Flask-Login's login id); the
table keeps its hash. A session is valid while its row exists and its generation is the member's
current session_token, so ending the row, or rotating the token (a ban, a suspension, a new
password), signs that browser out whatever copies of its cookies exist.

A session a suspension or a ban ended keeps its row, marked with that sanction: the browser that
still carries its token is told why it was signed out (`ended_by`), and only that browser, since only
it holds the token whose hash names the row. It is told on every page while the sanction is in force
(not once: the member may read the notice in one tab and press Reply in another), until the browser
signs in again or forgets the notice (`forget`), or the session would have expired anyway.
"""

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import and_, bindparam, delete, or_, select, update

from ... import member_state
from ...database import write_transaction
from ...extensions import db
from ...models import LoginSession, Sanction, User
from ...models.base import utcnow
from ...policy import in_force
from ...unchanged import note_version, version_column

# last_seen_at is written at most this often per session: a write per request would cost every page.
SEEN_EVERY = timedelta(minutes=5)
BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chromium/", "Chromium"),
            ("Chrome/", "Chrome"), ("Safari/", "Safari"))
SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
           ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


@dataclass
class Begun:
    record: LoginSession
    token: str  # the secret the cookies carry; never stored


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _oldest_kept() -> datetime:
    """Sessions unseen for longer than a remember-me cookie lives are over."""
    return utcnow() - timedelta(seconds=current_app.config["REMEMBER_COOKIE_DURATION"])


def begin(member: User, address: str | None, user_agent: str | None) -> Begun:
    """Record a new sign-in of `member` from this browser; clears the member's ended sessions (but not
    those whose browsers are still to be told that a sanction in force ended them)."""
    token = secrets.token_urlsafe(32)
    with write_transaction(public=False) as session:
        current = session.get(User, member.id)
        still_to_tell = LoginSession.ended_by_sanction_id.in_(select(Sanction.id).where(in_force(utcnow())))
        session.execute(delete(LoginSession).where(LoginSession.user_id == member.id, or_(
            LoginSession.last_seen_at < _oldest_kept(),
            and_(LoginSession.generation != current.session_token, or_(
                LoginSession.ended_by_sanction_id.is_(None), ~still_to_tell)))))
        record = LoginSession(token_hash=_hash(token), user_id=member.id, generation=current.session_token,
                              address=(address or "")[:45], user_agent=(user_agent or "")[:255])
        session.add(record)
    return Begun(record, token)


@functools.cache
def _member_query(with_unread: bool):
    """The session, its member and their own state (forum/member_state.py), built once: a statement
    made afresh for each request costs more than running it."""
    return (select(LoginSession.id, LoginSession.generation, LoginSession.last_seen_at, version_column(), User,
                   *member_state.columns(with_unread))
            .join(User, LoginSession.user_id == User.id)
            .where(LoginSession.token_hash == bindparam("token_hash")))


def member_for(token: str) -> User | None:
    """The member signed in by this cookie token, if its session is still on; notes when it was seen.
    Their own state is read with them, its unread counts for the requests that show them (GET), and the
    site's pages_version (forum.unchanged): a member's page asks no statement of its own for it."""
    if not token or len(token) > 64:
        return None
    with_unread = has_request_context() and request.method in ("GET", "HEAD")
    row = db.session.execute(_member_query(with_unread), {"token_hash": _hash(token), "now": utcnow()}).first()
    if row is None:
        return None
    session_id, generation, last_seen_at, version, member, *state = row  # the session's columns, not an entity: cheaper
    if not secrets.compare_digest(generation, member.session_token) or last_seen_at < _oldest_kept():
        return None
    member_id = member.id
    note_version(version)  # the site's version, read before anything the page shows (forum.unchanged)
    if utcnow() - last_seen_at > SEEN_EVERY:
        _seen(session_id)  # releases what the request read: `member` reloads when next used
    member.login_session_id, member.login_token = session_id, token
    member_state.keep(member_id, state)  # after _seen's commit, which forgets it
    return member


def ended_by(token: str) -> Sanction | None:
    """The sanction in force that ended the session this cookie token began, if one did: what its
    browser is told. None for every other token (a live session, one signed out or ended by a new
    password, an unknown or forged one), so nobody else learns anything."""
    if not token or len(token) > 64:
        return None
    row = db.session.execute(
        select(LoginSession, Sanction, User)
        .join(Sanction, LoginSession.ended_by_sanction_id == Sanction.id)
        .join(User, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == _hash(token), in_force(utcnow()))).first()
    if row is None:
        return None
    record, sanction, member = row
    if secrets.compare_digest(record.generation, member.session_token) or record.last_seen_at < _oldest_kept():
        return None  # signed in again on this very session's generation, or long gone
    return sanction


def forget(token: str) -> None:
    """This browser no longer wants to be told why a sanction ended its session (it signs in, or
    asked to forget): the ended session's row goes. A live session is left alone."""
    if not token or len(token) > 64:
        return
    with write_transaction(public=False) as session:
        session.execute(delete(LoginSession).where(LoginSession.token_hash == _hash(token),
                                                   LoginSession.ended_by_sanction_id.is_not(None)))


def mark_ended_by(session, member: User, sanction: Sanction) -> None:
    """Inside the transaction that issues a suspension or a ban, before it rotates the member's
    session token: the sessions it ends remember it, so each of their browsers can be told."""
    session.execute(update(LoginSession).where(
        LoginSession.user_id == member.id, LoginSession.generation == member.session_token)
        .values(ended_by_sanction_id=sanction.id))


def _seen(session_id: int) -> None:
    with write_transaction(public=False) as session:
        record = session.get(LoginSession, session_id)
        if record is not None:
            record.last_seen_at = utcnow()


def current_sessions(member: User) -> list[LoginSession]:
    """The member's sessions that still sign a browser in, the most recently seen first."""
    query = (select(LoginSession)
             .where(LoginSession.user_id == member.id, LoginSession.generation == member.session_token,
                    LoginSession.last_seen_at >= _oldest_kept())
             .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc()))
    return list(db.session.scalars(query))


def end(member: User, session_id: int) -> bool:
    """Sign out one of the member's sessions; False when they have no such session."""
    with write_transaction(public=False) as session:
        ended = session.execute(delete(LoginSession).where(
            LoginSession.id == session_id, LoginSession.user_id == member.id))
    return ended.rowcount > 0


def end_others(member: User, keep_id: int) -> int:
    """Sign out every session of the member but `keep_id` (this browser's); how many ended."""
    with write_transaction(public=False) as session:
        ended = session.execute(delete(LoginSession).where(
            LoginSession.user_id == member.id, LoginSession.id != keep_id))
    return ended.rowcount


def device_label(user_agent: str) -> str:
    """'Firefox on Linux' from a User-Agent header: enough for a member to recognise their browser."""
    browser = next((name for mark, name in BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in SYSTEMS if mark in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "An unknown browser"
