"""Uploaded pictures, whatever they are for (avatars, the logo, images in posts): decoded by Pillow within
limits, turned upright, stripped to their pixels, and written to the upload folder whole or not at all.

Only the common web formats are decoded: Pillow's other decoders (EPS, for one) are attack surface. The
pixel count is read from the header and checked before anything is decoded (decompression bombs); what
comes out carries no EXIF (location, camera), ICC or XMP from the upload.
"""

import io
import os
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from .refusals import FieldError, Refusal

FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
NOT_AN_IMAGE = "That file is not a picture we can read. Use a PNG, JPEG, GIF or WebP image."
TOO_MANY_PIXELS = "That picture is too large. Use one of at most {limit} pixels on each side."
TOO_MANY_BYTES = "That file is too large. Pictures may be at most {limit}."
NOT_STORED = ("Your picture could not be saved: the forum cannot write to its picture folder just now. "
              "Nothing was changed. Please try again later.")


class PictureNotStored(Refusal):
    """The picture was fine, but the upload folder would not take it (a full disk, a folder that is
    not writable): our fault, not the picture's, so 503. The path and the error are in the log; the
    message, beside the picture field, is for the member."""

    status = 503

    def __init__(self, field: str):
        super().__init__(NOT_STORED, field=field)


def upload_folder() -> Path:
    """UPLOAD_DIR, or instance/uploads: every kind of picture has its own folder in it."""
    return Path(current_app.config.get("UPLOAD_DIR") or os.path.join(current_app.instance_path, "uploads"))


def check_size(data: bytes, limit: int, field: str) -> None:
    if len(data) > limit:
        raise FieldError(field, TOO_MANY_BYTES.format(limit=readable_size(limit)))


def readable_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{size // 1024} KB"


def decoded(data: bytes, max_pixels: int, field: str, shape, draft_box: tuple[int, int] | None = None):
    """`shape(image)` of the upright picture in `data` (RGBA, or RGB when it has no transparency), as a
    fresh image holding nothing but its pixels, and the format it came in.

    Raises FieldError (on `field`) for anything that is not a readable PNG, JPEG, GIF or WebP picture of
    at most `max_pixels` (checked from the header, before decoding). Only a GIF's first frame is read.
    `draft_box` lets a JPEG decode at a reduced size when only a small picture is wanted.
    """
    too_large = TOO_MANY_PIXELS.format(limit=int(max_pixels ** 0.5))
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            if image.width * image.height > max_pixels:
                raise FieldError(field, too_large)
            source = image.format
            if draft_box:
                image.draft("RGB", draft_box)  # JPEG: decode at a reduced size, much faster
            image.seek(0)
            mode = "RGBA" if _has_alpha(image) else "RGB"
            shaped = shape(ImageOps.exif_transpose(image).convert(mode))
    except FieldError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise FieldError(field, too_large) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise FieldError(field, NOT_AN_IMAGE) from error
    # Only the pixels travel on: a new image, with none of the upload's metadata.
    return Image.frombytes(shaped.mode, shaped.size, shaped.tobytes()), source


def _has_alpha(image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def webp(image, lossless: bool = False) -> bytes:
    out = io.BytesIO()
    if lossless:
        image.save(out, "WEBP", lossless=True, quality=60, method=4)
    else:
        image.save(out, "WEBP", quality=85, method=4)
    return out.getvalue()


def store_as(target: Path, data: bytes, field: str) -> None:
    """Write a picture to `target` whole or not at all; PictureNotStored (on `field`) when it cannot be."""
    partial = target.with_suffix(".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        os.replace(partial, target)  # readers never see half a file
    except OSError as error:
        current_app.logger.error("Could not store an uploaded picture as %s: %s", target, error)
        remove_quietly(partial)
        raise PictureNotStored(field) from error


def remove_quietly(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        current_app.logger.warning("Could not delete the picture file %s: %s", path, error)
