"""An image attached through the reply or new-thread form itself (JavaScript off): uploaded on submit,
its reference added to the end of the text (README "Uploads"), as the edit form's is
(posts/views/uploads.py, attach_image)."""

from flask import request

from ...posts.service import uploads
from ...posts.views.uploads import attach_image
from .. import bp

__all__ = ["attach_image"]

ATTACHING = {"threads.reply", "threads.preview", "threads.create"}


@bp.url_value_preprocessor
def _allow_attachment(endpoint, values) -> None:
    """Let one image through to the form before anything reads the body (the CSRF check does). Only a
    multipart body can carry one; its text fields stay within MAX_FORM_MEMORY_SIZE, and any other body
    within MAX_CONTENT_LENGTH."""
    if endpoint in ATTACHING and request.mimetype == "multipart/form-data":
        request.max_content_length = uploads.body_limit()
