"""Avatars: a generated initials picture by default, or an uploaded image re-encoded to a safe square."""

import hashlib
import re
import secrets
from pathlib import Path

from flask import current_app, url_for
from markupsafe import escape
from PIL import Image, ImageOps

from ... import pictures
from ...pictures import readable_size, remove_quietly  # noqa: F401  (the logo's service uses them from here)

SIZE = 256  # pixels, square
FILE_NAME = re.compile(r"[0-9]+-[A-Za-z0-9_-]{12}\.webp")
FIELD = "picture"  # the upload form's input: every refusal of an upload is shown beside it


def initials(name: str) -> str:
    """'Rhonda Bird' -> 'RB', 'Rhonda B.' -> 'RB', 'Cher' -> 'C': the first letters of the outer words."""
    words = name.split()
    if not words:
        return "?"
    picked = [words[0]] if len(words) == 1 else [words[0], words[-1]]
    return "".join(word[0] for word in picked).upper()


def colour(user) -> str:
    """A steady background colour for the member, derived from their id (grey once deleted)."""
    if user.is_deleted:
        return "hsl(0, 0%, 45%)"
    hue = int.from_bytes(hashlib.sha256(str(user.id).encode()).digest()[:2], "big") % 360
    return f"hsl({hue}, 45%, 36%)"  # dark enough for white letters on every hue


def initials_svg(user) -> str:
    """The generated avatar: the public name's initials on the member's colour."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 64 64">'
        f'<rect width="64" height="64" fill="{colour(user)}"/>'
        '<text x="32" y="32" dy="0.35em" text-anchor="middle" fill="#fff" '
        'font-family="system-ui, sans-serif" font-size="26">'
        f"{escape(initials(user.public_name))}</text></svg>"
    )


def svg_version(user) -> str:
    """Changes whenever the generated picture would: part of its URL and its ETag."""
    return hashlib.sha256(initials_svg(user).encode()).hexdigest()[:16]


def avatar_url(user) -> str:
    """Where the member's picture is: their upload, or the generated one (by id, never by username)."""
    if user.avatar and not user.is_deleted:
        return url_for("members.avatar_file", name=user.avatar)
    return url_for("members.avatar_svg", user_id=user.id, v=svg_version(user))


def reencode(data: bytes, within: tuple[int, int] | None = None, field: str = FIELD) -> bytes:
    """The picture cropped to a SIZE×SIZE square (or, given `within`, shrunk to fit that box, uncropped:
    the site's logo) and written afresh as WebP, with no metadata (forum/pictures.py decodes it).

    Raises FieldError (on `field`) for anything that is not a readable picture of a sensible size.
    """
    box = within or (SIZE, SIZE)
    if within:
        def shape(upright):
            return ImageOps.contain(upright, within, Image.Resampling.LANCZOS)
    else:
        def shape(upright):
            return ImageOps.fit(upright, box, Image.Resampling.LANCZOS)
    picture, _ = pictures.decoded(data, current_app.config["AVATAR_MAX_PIXELS"], field, shape,
                                  draft_box=(box[0] * 2, box[1] * 2))
    return pictures.webp(picture)


def check_size(data: bytes, field: str = FIELD) -> None:
    pictures.check_size(data, current_app.config["AVATAR_MAX_BYTES"], field)


def folder() -> Path:
    """Where uploaded avatars are kept (created by the first upload)."""
    return pictures.upload_folder() / "avatars"


def store(user_id: int, webp: bytes) -> str:
    """Write the picture under a new name (so caches never serve an old one); returns the name.

    Raises PictureNotStored, after logging the path and the error, when the folder will not take it."""
    name = f"{user_id}-{secrets.token_urlsafe(9)}.webp"
    store_as(folder() / name, webp)
    return name


def store_as(target: Path, webp: bytes, field: str = FIELD) -> None:
    """Write a picture to `target` whole or not at all; PictureNotStored (on `field`) when it cannot be."""
    pictures.store_as(target, webp, field)


def discard(name: str | None) -> None:
    """Delete a stored picture, if there is one (a missing file is no error). The member's change is
    already saved when this runs, so a file that cannot be deleted is logged and left behind."""
    if name and FILE_NAME.fullmatch(name):
        remove_quietly(folder() / name)

