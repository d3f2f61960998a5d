"""Bot traps on the guest forms (registration, sign-in, password reset) that cost people nothing.

- **A honeypot**: a text input people never see (it is off-screen, out of the tab order, labelled
  "leave this empty"). Form-filling bots fill it. They get the answer a person would have got, and
  nothing is done: no account, no mail, no sign-in.
- **A minimum fill time**: each form carries when it was shown, signed with the secret key
  (itsdangerous), so the time cannot be changed or left out. A form sent back sooner than
  REGISTER_MIN_SECONDS (registration) or GUEST_FORM_MIN_SECONDS (sign-in, reset) is shown again,
  with what was typed and a message beside it: a person only has to send it again.
- **A proof-of-work challenge** on registration (ALTCHA's scheme, verified here by the `altcha`
  package with no outside service): the page carries a signed puzzle that the browser's script
  solves in about a second. Each solution works once. With JavaScript off the form posts without
  one and is still accepted, but such registrations share a tighter limit
  (REGISTER_UNSOLVED_RATE_LIMIT, per address): see README "Bot traps".

The fill times, the puzzle's size and that limit are site settings (forum/settings.py): read them with
site_setting(), so that an admin's change at /admin/settings applies at once.
"""

import base64
import datetime
import enum
import json
import time

import altcha
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ...extensions import limiter
from ...settings import site_setting

HONEYPOT = "comment"  # the trap input's name: bots fill every text input they find
STAMP_SALT = "guest-form-shown"
CHALLENGE_SALT = b"registration challenge"

TOO_FAST = ("That was quicker than we expect from a person, so nothing was sent. Please check the form "
            "and send it again.")
CHALLENGE_FAILED = ("The check that this browser is not a robot did not work (it may have taken too long). "
                    "Nothing was sent: please send the form again.")


class Verdict(enum.Enum):
    OK = "ok"
    BOT = "bot"  # answer as if all went well, and do nothing
    TOO_FAST = "too fast"  # show the form again with TOO_FAST beside it
    CHALLENGE_FAILED = "challenge failed"  # the same, with CHALLENGE_FAILED


MESSAGES = {Verdict.TOO_FAST: TOO_FAST, Verdict.CHALLENGE_FAILED: CHALLENGE_FAILED}


def _stamps() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=STAMP_SALT)


def stamp(form_name: str) -> str:
    """The signed "shown at" value a form carries: the form's name (so one form's cannot serve another)
    and the time to the millisecond (itsdangerous' own timestamps are whole seconds: too coarse)."""
    return _stamps().dumps([form_name, round(_now(), 3)])


def _shown_seconds_ago(value: str, form_name: str) -> float | None:
    try:
        name, shown_at = _stamps().loads(value or "")
        shown_at = float(shown_at)
    except (BadSignature, ValueError, TypeError):
        return None
    if name != form_name:
        return None
    return _now() - shown_at


def _now() -> float:
    return time.time()


def minimum_seconds(form_name: str) -> float:
    setting = "REGISTER_MIN_SECONDS" if form_name == "register" else "GUEST_FORM_MIN_SECONDS"
    return float(site_setting(setting))


def check(form_name: str, honeypot: str | None, shown: str | None) -> Verdict:
    """Judge a guest form's honeypot and fill time."""
    if (honeypot or "").strip():
        return Verdict.BOT
    minimum = minimum_seconds(form_name)
    if minimum <= 0:
        return Verdict.OK
    age = _shown_seconds_ago(shown or "", form_name)
    # A missing or forged stamp is answered as a form sent too fast: a person whose page lost it
    # sends the form again with a fresh one, and a bot learns nothing from the message.
    if age is None or age < minimum:
        return Verdict.TOO_FAST
    return Verdict.OK


# --- The proof-of-work challenge ----------------------------------------------------------------

def _hmac_key() -> bytes:
    return CHALLENGE_SALT + current_app.config["SECRET_KEY"].encode()


def new_challenge() -> dict:
    """A fresh signed puzzle for the registration page: {algorithm, challenge, maxnumber, salt, signature}."""
    expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
        seconds=current_app.config["REGISTER_CHALLENGE_MAX_AGE"])
    challenge = altcha.create_challenge_v1(
        hmac_key=_hmac_key(), max_number=site_setting("REGISTER_CHALLENGE_MAX_NUMBER"), expires=expires)
    return {"algorithm": challenge.algorithm, "challenge": challenge.challenge, "maxnumber": challenge.max_number,
            "salt": challenge.salt, "signature": challenge.signature}


def solved(payload: str | None) -> bool:
    """Whether `payload` (the base64 JSON the page's script sends) solves a puzzle this forum made and
    that has not expired. Says nothing about whether it was used before: see use_solution."""
    if not payload or len(payload) > 2000:
        return False
    try:
        ok, _error = altcha.verify_solution_v1(payload, _hmac_key(), check_expires=True)
    except (ValueError, TypeError, KeyError, AttributeError):
        return False
    return bool(ok)


def use_solution(payload: str | None) -> bool:
    """Accept a solution once: True the first time a valid one is given, False for a replay or a bad one.

    Used solutions are remembered in the rate-limit storage (Redis or the database, shared by every
    worker) until their puzzle expires, after which the signature check refuses them anyway.
    """
    if not solved(payload):
        return False
    signature = json.loads(base64.b64decode(payload))["signature"]
    seconds = current_app.config["REGISTER_CHALLENGE_MAX_AGE"]
    return limiter.storage.incr(f"challenge-used/{signature}", seconds) == 1


def solve_for_tests(challenge: dict) -> str:
    """The payload a browser's script would send for `challenge` (for tests and the command line)."""
    solution = altcha.solve_challenge_v1(challenge["challenge"], challenge["salt"], challenge["algorithm"],
                                      challenge["maxnumber"])
    payload = {"algorithm": challenge["algorithm"], "challenge": challenge["challenge"],
               "number": solution.number, "salt": challenge["salt"], "signature": challenge["signature"]}
    return base64.b64encode(json.dumps(payload).encode()).decode()


def unsolved(form) -> bool:
    """A registration sent without any solution (JavaScript off, or a bot that does not try)."""
    return not (form.get("challenge") or "").strip()

