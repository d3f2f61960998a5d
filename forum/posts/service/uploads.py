"""Images in posts: accepting an upload, linking it to the posts that show it, who may fetch it, and
clearing away what no post uses.

An upload is decoded and re-encoded by forum/pictures.py (upright, nothing but its pixels), written as
WebP under the SHA-256 of those bytes, with a smaller copy for pages when it is wide. The member's
Markdown refers to it as ![alt](/uploads/<sha256>.webp); the renderer (images.py) turns that into an
<img> with its size. Who may fetch the file follows the posts that show it (`visibility`).
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from PIL import Image
from sqlalchemy import delete, exists, or_, select

from ... import pictures
from ...database import write_transaction
from ...extensions import db
from ...limits import take_image_upload
from ...models import Article, Category, Draft, HeldPost, Post, PostUpload, Thread, ThreadDraft, Upload, User
from ...models.base import utcnow
from ...policy import check_may_write
from ...refusals import FieldError, Refusal
from ...settings import site_setting
from .images import hashes_in

FIELD = "images"  # the forms' file field; the composer's uploads answer with the same messages
DISPLAY_WIDTH = 1400  # pixels: wider images get a copy this wide for pages (twice a post's column)
WEBP_MAX_SIDE = 16383  # the most WebP can hold on each side
LOSSLESS_MAX_PIXELS = 4_000_000  # a PNG or GIF up to this (a screenshot) stays lossless; larger ones do not
FILE_NAME = re.compile(r"([0-9a-f]{64})(-display)?\.webp")
UNUSED_HOURS = 24  # an upload no post shows is deleted after this
TOO_WIDE = f"That picture is too long or too wide. Use one of at most {WEBP_MAX_SIDE} pixels on each side."
TOO_MANY_IMAGES = "A post may show at most {limit} images. Take some out, or put them in another post."
NO_IMAGES = "Images in posts are turned off on this forum."
TOO_MANY_UPLOADS = "You have uploaded as many images as the forum allows for now. You can upload more {wait}."


class UploadsExhausted(Refusal):
    """The member reached IMAGE_UPLOAD_RATE_LIMIT: 429, with the seconds to wait."""

    status = 429

    def __init__(self, seconds: int, field: str = FIELD):
        minutes = -(-seconds // 60)
        wait = f"in {seconds} seconds" if seconds < 90 else f"in {minutes} minutes"
        super().__init__(TOO_MANY_UPLOADS.format(wait=wait), field=field)
        self.retry_after = seconds


def folder() -> Path:
    return pictures.upload_folder() / "images"


def body_limit() -> int:
    """The request size that lets one image through to its form (which says if it is too large); beyond
    twice the limit, the answer is a 413."""
    return 2 * site_setting("IMAGE_MAX_KB") * 1024 + 256 * 1024


def url_of(sha256: str) -> str:
    return f"/uploads/{sha256}.webp"


def reference(upload: Upload, alt: str | None = None) -> str:
    """The Markdown that shows the upload: the member's alt text, else the file name's words."""
    return f"![{_escaped(alt_text(alt) or upload.alt)}]({url_of(upload.sha256)})"


def _escaped(alt: str) -> str:
    return re.sub(r"([\[\]\\])", r"\\\1", alt)


def alt_text(text: str | None) -> str:
    """Alt text as typed, on one line and of sensible length ("" for none)."""
    return " ".join((text or "").split())[:200]


def words_of(file_name: str | None) -> str:
    """'IMG_2041-beach.at.dusk.jpeg' -> 'IMG 2041 beach at dusk': a file name's words, the alt text
    when none is given (never empty: 'Image')."""
    stem = Path((file_name or "").replace("\\", "/")).name.rsplit(".", 1)[0]
    words = " ".join(re.sub(r"[\W_]+", " ", stem).split())[:200]
    return words or "Image"


def accept(owner: User, data: bytes, file_name: str | None, field: str = FIELD) -> Upload:
    """Re-encode an uploaded image, store it and record it as the member's (the same picture twice is one
    row). Raises FieldError (on `field`) for what is not a picture we take, UploadsExhausted (429) past
    the rate limit, PictureNotStored (503) when the folder will not take it, WriteRefused when the member
    may not write now."""
    if site_setting("IMAGES_PER_POST") == 0:
        raise FieldError(field, NO_IMAGES)
    pictures.check_size(data, site_setting("IMAGE_MAX_KB") * 1024, field)
    if (wait := take_image_upload(owner.id)) is not None:
        raise UploadsExhausted(wait, field)
    full, display, size = _encoded(data, field)
    sha256 = hashlib.sha256(full).hexdigest()
    _store_once(folder() / f"{sha256}.webp", full, field)
    if display:
        _store_once(folder() / f"{sha256}-display.webp", display[0], field)
    with write_transaction(public=False) as session:
        check_may_write(session, session.get(User, owner.id))
        upload = session.scalar(select(Upload).where(Upload.owner_id == owner.id, Upload.sha256 == sha256))
        if upload is None:
            upload = Upload(owner_id=owner.id, sha256=sha256, size=len(full), width=size[0], height=size[1],
                            alt=words_of(file_name))
            if display:
                upload.display_width, upload.display_height = display[1]
            session.add(upload)
        upload.created_at = utcnow()  # uploaded again: a fresh day before an unused one is cleared away
    return upload


def _encoded(data: bytes, field: str):
    """(the image as WebP, (its display copy, its size) or None, (width, height))."""
    picture, source = pictures.decoded(data, site_setting("IMAGE_MAX_MEGAPIXELS") * 1_000_000, field,
                                       shape=lambda upright: upright)
    if max(picture.size) > WEBP_MAX_SIDE:
        raise FieldError(field, TOO_WIDE)
    lossless = source in ("PNG", "GIF") and picture.width * picture.height <= LOSSLESS_MAX_PIXELS
    full = pictures.webp(picture, lossless=lossless)
    display = None
    if picture.width > DISPLAY_WIDTH:
        height = max(1, round(picture.height * DISPLAY_WIDTH / picture.width))
        smaller = picture.resize((DISPLAY_WIDTH, height), Image.Resampling.LANCZOS)
        display = (pictures.webp(smaller), smaller.size)
    return full, display, picture.size


def _store_once(target: Path, data: bytes, field: str) -> None:
    """Content-addressed: a file of that name holds these very bytes already."""
    if not target.exists():
        pictures.store_as(target, data, field)


# --- Which posts show which uploads ------------------------------------------------------------

def link(session, post: Post, body: str) -> None:
    """Record which of its author's uploads the post shows, from its text (inside the write transaction)."""
    session.execute(delete(PostUpload).where(PostUpload.post_id == post.id))
    hashes = hashes_in(body)
    if hashes:
        owned = session.scalars(select(Upload.id).where(Upload.owner_id == post.author_id,
                                                        Upload.sha256.in_(hashes)))
        session.add_all(PostUpload(post_id=post.id, upload_id=upload_id) for upload_id in owned)


# --- Who may fetch a file ----------------------------------------------------------------------

@dataclass(frozen=True)
class Visibility:
    shown: bool
    public: bool  # guests may see it too: caches may keep it


def visibility(sha256: str, viewer) -> Visibility:
    """Who may fetch this image: everyone while a post guests may read shows it; members too while a
    members-only post does; its uploader (before posting, to preview); staff always, as they read
    removed posts. Removed posts and threads, a new member's hidden images, and deleted accounts' uploads
    show nothing to anyone else."""
    signed_in = getattr(viewer, "is_authenticated", False)
    uploads = (select(Upload.id).join(User, User.id == Upload.owner_id)
               .where(Upload.sha256 == sha256, User.deleted_at.is_(None)))
    kept_from_guests = or_(Category.members_only,
                           Thread.id.in_(select(Article.thread_id).where(Article.members_only.is_(True))))
    shown_in = (select(kept_from_guests)
                .select_from(PostUpload).join(Post, Post.id == PostUpload.post_id)
                .join(Thread, Thread.id == Post.thread_id).join(Category, Category.id == Thread.category_id)
                .where(PostUpload.upload_id.in_(uploads), Post.removal.is_(None), Post.links_allowed.is_(True),
                       Thread.removed_at.is_(None))
                .order_by(kept_from_guests).limit(1))
    members_only = db.session.scalar(shown_in)
    if members_only is False:
        return Visibility(True, True)
    if signed_in and members_only is not None:
        return Visibility(True, False)
    if signed_in and viewer.is_staff:
        return Visibility(db.session.scalar(select(exists().where(Upload.sha256 == sha256))), False)
    if signed_in:
        mine = uploads.where(Upload.owner_id == viewer.id)
        return Visibility(db.session.scalar(select(exists(mine))), False)
    return Visibility(False, False)


# --- Clearing away -------------------------------------------------------------------------------

def clear_unused(now=None) -> int:
    """Delete the uploads no post has shown for UNUSED_HOURS since they were uploaded (and their files, if
    no one else uploaded the same picture), except those a draft or a post waiting for a moderator
    refers to. Returns how many were deleted."""
    cutoff = (now or utcnow()) - timedelta(hours=UNUSED_HOURS)
    with write_transaction(public=False) as session:
        unused = session.execute(select(Upload.id, Upload.owner_id, Upload.sha256).where(
            Upload.created_at < cutoff, ~exists().where(PostUpload.upload_id == Upload.id))).all()
        waiting = _waiting_references(session, {owner for _, owner, _ in unused})
        doomed = [(upload_id, sha256) for upload_id, owner, sha256 in unused if (owner, sha256) not in waiting]
        if doomed:
            session.execute(delete(Upload).where(Upload.id.in_([upload_id for upload_id, _ in doomed])))
        gone = _orphaned(session, {sha256 for _, sha256 in doomed})
    discard(gone)
    return len(doomed)


def _waiting_references(session, owners: set[int]) -> set[tuple[int, str]]:
    """(owner, sha256) of every upload these members' drafts and waiting posts refer to."""
    if not owners:
        return set()
    found = set()
    for model, column in ((Draft, Draft.user_id), (ThreadDraft, ThreadDraft.user_id),
                          (HeldPost, HeldPost.author_id)):
        query = select(column, model.body).where(column.in_(owners), model.body.contains("/uploads/"))
        if model is HeldPost:
            query = query.where(HeldPost.decided_at.is_(None))
        for owner, body in session.execute(query):
            found.update((owner, sha256) for sha256 in hashes_in(body))
    return found


def forget_member(session, member_id: int) -> tuple[list[int], set[str]]:
    """Delete a member's uploads (their account is being deleted), inside that write transaction.
    Returns the posts that showed them (to render again: they show "image removed" now) and the hashes
    whose files no one else uploaded (for `discard` once the transaction is committed)."""
    uploads = select(Upload.id).where(Upload.owner_id == member_id)
    post_ids = list(session.scalars(select(PostUpload.post_id).where(PostUpload.upload_id.in_(uploads))
                                    .distinct()))
    hashes = set(session.scalars(select(Upload.sha256).where(Upload.owner_id == member_id)))
    session.execute(delete(PostUpload).where(PostUpload.upload_id.in_(uploads)))
    session.execute(delete(Upload).where(Upload.owner_id == member_id))
    return post_ids, _orphaned(session, hashes)


def _orphaned(session, hashes: set[str]) -> set[str]:
    """Which of these hashes no upload row has any longer."""
    if not hashes:
        return set()
    kept = set(session.scalars(select(Upload.sha256).where(Upload.sha256.in_(hashes))))
    return hashes - kept


def discard(hashes: set[str]) -> None:
    """Delete these images' files (after the transaction that deleted their rows)."""
    for sha256 in hashes:
        pictures.remove_quietly(folder() / f"{sha256}.webp")
        pictures.remove_quietly(folder() / f"{sha256}-display.webp")

