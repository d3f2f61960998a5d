"""Canonical usernames and safe display names."""

import re
import unicodedata

from ...models.user import DELETED_NAME

USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{2,19}")
RESERVED = frozenset(
    """
    abuse admin administrator all anonymous api everyone forum guest help here login logout
    me mod moderator moderators modlog mods notifications null official postmaster register
    root search security settings staff static support sysop system team undefined webmaster
    deleted member members
    """.split()
)


def canonical_username(raw: str) -> str:
    """The one spelling a username is stored and compared in: NFKC, then casefold, trimmed."""
    return unicodedata.normalize("NFKC", raw).casefold().strip()


def username_problem(canonical: str, allow_reserved: bool = False) -> str | None:
    """Why this canonical username cannot be registered, or None if it can."""
    if not 3 <= len(canonical) <= 20:
        return "Usernames are 3 to 20 characters long."
    if not USERNAME_PATTERN.fullmatch(canonical):
        return "Use only letters a–z, digits, '_' and '-', starting with a letter or digit."
    if allow_reserved:
        return None
    if canonical in RESERVED or canonical.rstrip("0123456789_-") in RESERVED:
        return "That username is reserved. Please choose another."
    return None


def clean_display_name(raw: str) -> str:
    """The display name with surrounding and repeated spaces removed."""
    return " ".join(unicodedata.normalize("NFC", raw).split())


def display_name_problem(name: str) -> str | None:
    """Why this display name is refused: control, zero-width and direction characters are."""
    if not 1 <= len(name) <= 50:
        return "Display names are 1 to 50 characters long."
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Cn") for ch in name):
        return "Display names cannot contain invisible or control characters."
    if name.casefold() == DELETED_NAME.casefold():  # what a deleted account is called: nobody may pass for one
        return "That name is reserved. Please choose another."
    return None
