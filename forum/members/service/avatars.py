"""Avatars: a generated initials picture by default, or an uploaded image re-encoded to a safe square."""

import hashlib
import io
import re
import secrets
from pathlib import Path

from flask import current_app, url_for
from markupsafe import escape
from PIL import Image, ImageOps, UnidentifiedImageError

from ... import pictures
from ...pictures import FORMATS, NOT_AN_IMAGE, TOO_MANY_PIXELS
from ...refusals import FieldError
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


def cheap_to_reencode(data: bytes, field: str = FIELD) -> bool:
    """Whether re-encoding this upload is cheap enough for the request (a JPEG, which is decoded at a
    reduced size, or a picture of at most AVATAR_IN_REQUEST_PIXELS), after the checks that need only
    its header and a walk over its chunks: refused here (FieldError), beside the field, are what is not
    a picture we decode, what is over the pixel limit, and a PNG that is cut short or corrupt.
    A 4096×4096 PNG or WebP takes about half a second of CPU to decode and shrink: that is a job's."""
    max_pixels = current_app.config["AVATAR_MAX_PIXELS"]
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            pixels, kind = image.width * image.height, image.format
            if pixels > max_pixels:
                raise FieldError(field, TOO_MANY_PIXELS.format(limit=int(max_pixels ** 0.5)))
            if kind == "PNG":
                image.verify()  # every chunk's checksum, without decoding the pixels
    except FieldError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise FieldError(field, TOO_MANY_PIXELS.format(limit=int(max_pixels ** 0.5))) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise FieldError(field, NOT_AN_IMAGE) from error
    return kind == "JPEG" or pixels <= current_app.config["AVATAR_IN_REQUEST_PIXELS"]


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


# --- Uploads waiting for the job that re-encodes them (account.service.prepare_avatar) -----------------
# In a folder the picture route never serves: <member id>-<token>.upload while it waits, and
# <member id>-<token>.refused (holding the reason) when the job could not read it after all.

def _waiting_folder() -> Path:
    return folder() / "waiting"


def keep_waiting(user_id: int, data: bytes) -> str:
    """Keep an upload for the job, in place of any of the member's still waiting; returns its name."""
    forget_waiting(user_id)
    name = f"{user_id}-{secrets.token_urlsafe(9)}.upload"
    store_as(_waiting_folder() / name, data)
    return name


def waiting_upload(name: str) -> bytes | None:
    """The upload kept under this name, or None once it is gone (a newer upload took its place)."""
    try:
        return (_waiting_folder() / name).read_bytes()
    except FileNotFoundError:
        return None


def is_waiting(name: str) -> bool:
    return (_waiting_folder() / name).exists()


def refuse_waiting(name: str, reason: str) -> None:
    """The job could not use this upload: say why to the member, on their profile settings, once."""
    target = _waiting_folder() / name
    target.with_suffix(".refused").write_text(reason)
    remove_quietly(target)


def forget_waiting(user_id: int, keep: str | None = None) -> None:
    """Delete the member's waiting uploads and refusals (but `keep`)."""
    if _waiting_folder().is_dir():
        for path in _waiting_folder().glob(f"{user_id}-*"):
            if path.name != keep:
                remove_quietly(path)


def upload_state(user_id: int) -> tuple[bool, str | None]:
    """(an upload of the member's is waiting for the job, the reason the job refused their last one).
    The refusal is told once: reading it deletes it."""
    if not _waiting_folder().is_dir():
        return False, None
    waiting, refused = False, None
    for path in _waiting_folder().glob(f"{user_id}-*"):
        if path.suffix == ".upload":
            waiting = True
        elif path.suffix == ".refused":
            refused = path.read_text()[:200]
            remove_quietly(path)
    return waiting, refused
