"""Two-factor sign-in: a TOTP authenticator app (RFC 6238, 30-second codes of 6 digits), one-time
recovery codes, and the browsers a member chose not to be asked on again.

A code is accepted for the current 30-second step or the one before or after (clocks drift), and
only for a step later than the last one accepted, so a code seen over a shoulder cannot sign in
again. Recovery codes are random (50 bits each), so a fast hash (SHA-256) keeps them as safe as
argon2 would; each row goes when its code is used.

"Don't ask on this browser" is a signed cookie naming the member and a hash of their session token:
a new password, a suspension or a ban rotates that token (forum/auth/service/sessions.py), which ends
every session and every such cookie at once. The cookie only spares the code: the password is always
asked, and a ban signs the browser out as it signs out every other.
"""

import hashlib
from datetime import UTC, datetime
import io
import secrets
from urllib.parse import quote

import pyotp
import segno
from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, or_, update

from ...database import write_transaction
from ...extensions import db
from ...models import RecoveryCode, User
from ...refusals import FieldError
from ...settings import site_setting
from .passwords import verify_password

RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper and typed again
TRUSTED_COOKIE = "two_factor_browser"
WRONG_CODE = "That code is not right, or it was used already. Try the newest code your app shows."


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits


def key_for_display(secret: str) -> str:
    """The secret in groups of four, as a person types it into their app."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def setup_uri(member: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=member.username, issuer_name=site_setting("SITE_NAME"))


def qr_code(uri: str) -> str:
    """The setup link as a QR code: an SVG data: URI for an <img> (the CSP allows data: images, and
    an <img> needs no inline style). Made here, by segno: no outside service sees the secret."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=6, border=4, xmldecl=False, svgns=True,
                                    dark="#000", light="#fff")
    return "data:image/svg+xml," + quote(out.getvalue().decode())


def _step_for(secret: str, code: str) -> int | None:
    """The 30-second step `code` is right for (now, just before or just after), or None."""
    code = "".join(code.split())
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(_now())
    for step in (now, now - 1, now + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _now() -> datetime:
    return datetime.now(UTC)


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _new_codes() -> list[str]:
    return ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]


def _clean_recovery(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def enable(member: User, secret: str, code: str) -> list[str]:
    """Turn two-factor sign-in on with `secret` once the member's app shows a right code for it;
    the recovery codes, to be shown once. FieldError("code") when the code is not right."""
    step = _step_for(secret, code)
    if step is None:
        raise FieldError("code", "That code is not right. Check the key in your app and try the newest code.")
    codes = _new_codes()
    with write_transaction(public=False) as session:
        current = session.get(User, member.id)
        current.totp_secret, current.totp_last_step = secret, step
        session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == member.id))
        session.add_all(RecoveryCode(user_id=member.id, code_hash=_hash(c)) for c in codes)
    return [format_code(c) for c in codes]


def check_password(member: User, password: str) -> None:
    if not verify_password(member.password_hash, password):
        raise FieldError("password", "That is not your password.")


def disable(member: User, password: str) -> None:
    """Turn it off (the password first); refused to staff while the site requires it of them."""
    if required_of(member):
        raise FieldError("password", "Your role requires two-factor sign-in, so it stays on.")
    check_password(member, password)
    with write_transaction(public=False) as session:
        current = session.get(User, member.id)
        current.totp_secret, current.totp_last_step = None, None
        session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == member.id))


def replace_recovery_codes(member: User, password: str) -> list[str]:
    """A new set of recovery codes (the password first); the old ones stop working."""
    check_password(member, password)
    codes = _new_codes()
    with write_transaction(public=False) as session:
        session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == member.id))
        session.add_all(RecoveryCode(user_id=member.id, code_hash=_hash(c)) for c in codes)
    return [format_code(c) for c in codes]


def recovery_codes_left(member: User) -> int:
    return db.session.query(RecoveryCode).filter_by(user_id=member.id).count()


def verify(member: User, code: str) -> str | None:
    """Check the second step: an app code ("app") or a recovery code ("recovery"), each usable once;
    None when it is neither. The used code is spent in the same statement that checks it is unspent,
    so two requests racing with one code cannot both pass."""
    if not member.totp_secret:
        return None
    step = _step_for(member.totp_secret, code)
    if step is not None:
        with write_transaction(public=False) as session:
            spent = session.execute(update(User).where(
                User.id == member.id, User.totp_secret.is_not(None),
                or_(User.totp_last_step.is_(None), User.totp_last_step < step)).values(totp_last_step=step))
        return "app" if spent.rowcount == 1 else None
    cleaned = _clean_recovery(code)
    if len(cleaned) != 10:
        return None
    with write_transaction(public=False) as session:
        spent = session.execute(delete(RecoveryCode).where(
            RecoveryCode.user_id == member.id, RecoveryCode.code_hash == _hash(cleaned)))
    return "recovery" if spent.rowcount == 1 else None


def required_of(member) -> bool:
    """Whether the site requires two-factor sign-in of this member (staff, when the setting says so)."""
    return bool(getattr(member, "is_staff", False)) and site_setting("STAFF_TWO_FACTOR") == "required"


def missing_for(member) -> bool:
    """Required of this signed-in member, who has not set it up: they are sent to set it up."""
    return required_of(member) and not member.totp_secret


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="two-factor-browser")


def _generation(member: User) -> str:
    return hashlib.sha256(member.session_token.encode()).hexdigest()[:32]


def trust_browser(response, member: User) -> None:
    """This browser need not be asked for a code for this member again for TWO_FACTOR_TRUSTED_DAYS."""
    days = current_app.config["TWO_FACTOR_TRUSTED_DAYS"]
    value = _serializer().dumps({"member": member.id, "generation": _generation(member)})
    response.set_cookie(TRUSTED_COOKIE, value, max_age=days * 86400, path="/", httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Lax")


def browser_trusted(member: User) -> bool:
    """Whether this browser was trusted for `member`, since their last new password, suspension or ban."""
    raw = request.cookies.get(TRUSTED_COOKIE)
    if not raw:
        return False
    try:
        data = _serializer().loads(raw, max_age=current_app.config["TWO_FACTOR_TRUSTED_DAYS"] * 86400)
    except BadSignature:
        return False
    return (isinstance(data, dict) and data.get("member") == member.id
            and secrets.compare_digest(str(data.get("generation", "")), _generation(member)))
