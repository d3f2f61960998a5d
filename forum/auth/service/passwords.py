"""Password hashing with argon2id, and the passwords too easy to guess to accept."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from zxcvbn.matching import RANKED_DICTIONARIES

MIN_LENGTH = 8
MAX_LENGTH = 128

# The 30,000 passwords seen most often in leaked password dumps, lower case, as zxcvbn (pinned
# exactly in requirements.txt) ships them. Its dictionary is reused rather than copied: the package
# has built it on import anyway. Importing here, not on first use, fails at start-up if it is missing.
COMMON_PASSWORDS = RANKED_DICTIONARIES["passwords"]
TOO_COMMON = ("This password is too common: it is among the 30,000 passwords found most often in leaked "
              "password lists, the first an attacker tries. Choose another.")
ONE_CHARACTER = "This password is one character repeated, which is easy to guess. Choose another."
YOUR_NAME = "Your password cannot be your username or email address. Choose another."


def password_problem(password: str, username: str = "", email: str = "") -> str | None:
    """Why this password is too easy to guess for the member with this username and email, or None."""
    folded = password.casefold()
    if folded in COMMON_PASSWORDS:
        return TOO_COMMON
    if len(set(folded)) <= 1:
        return ONE_CHARACTER
    own = {username.casefold(), email.casefold(), email.casefold().rpartition("@")[0]} - {""}
    if folded.strip() in own:
        return YOUR_NAME
    return None


def _hasher() -> PasswordHasher:
    hasher = current_app.extensions.get("forum_password_hasher")
    if hasher is None:
        cfg = current_app.config
        hasher = PasswordHasher(
            time_cost=cfg["ARGON2_TIME_COST"],
            memory_cost=cfg["ARGON2_MEMORY_COST"],
            parallelism=cfg["ARGON2_PARALLELISM"],
        )
        current_app.extensions["forum_password_hasher"] = hasher
    return hasher


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash (unknown member) spend the same time and say no."""
    hasher = _hasher()
    if password_hash is None:
        password_hash = _dummy_hash(hasher)
        _check(hasher, password_hash, password)
        return False
    return _check(hasher, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def _check(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash(hasher: PasswordHasher) -> str:
    dummy = current_app.extensions.get("forum_dummy_hash")
    if dummy is None:
        dummy = hasher.hash("not a real password")
        current_app.extensions["forum_dummy_hash"] = dummy
    return dummy
