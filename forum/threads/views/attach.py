"""An image attached through the reply or new-thread form itself (JavaScript off): uploaded on submit,
its reference added to the end of the text (README "Uploads")."""

from flask import request
from flask_login import current_user

from ...posts.service import uploads
from ...refusals import Refusal
from ...settings import site_setting
from .. import bp


ATTACHING = {"threads.reply", "threads.preview", "threads.create"}


@bp.url_value_preprocessor
def _allow_attachment(endpoint, values) -> None:
    """Let one image through to the form before anything reads the body (the CSRF check does). Only a
    multipart body can carry one; its text fields stay within MAX_FORM_MEMORY_SIZE, and any other body
    within MAX_CONTENT_LENGTH."""
    if endpoint in ATTACHING and request.mimetype == "multipart/form-data":
        request.max_content_length = uploads.body_limit()


def attach_image(form) -> Refusal | None:
    """Upload the form's image, if it has one, and add its reference to the end of the body. Returns the
    refusal, shown beside the image field, when the image is not taken (the text stays as it was)."""
    file = form.image.data
    if not file or not getattr(file, "filename", ""):
        return None
    data = file.stream.read(site_setting("IMAGE_MAX_KB") * 1024 + 1)
    try:
        upload = uploads.accept(current_user, data, file.filename, field="image")
    except Refusal as error:
        form.image.errors = [error.message]  # the form is not validated yet: its errors are an empty tuple
        return error
    body = (form.body.data or "").rstrip()
    form.body.data = (body + "\n\n" if body else "") + uploads.reference(upload, form.image_alt.data) + "\n"
    form.image_alt.data = ""
    return None
