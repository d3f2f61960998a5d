"""Images in posts: the composer's upload (paste, drop or file choice, with JavaScript), an image attached
through a form itself (JavaScript off: the reply, new-thread and edit forms), and the files."""

from flask import abort, jsonify, request, send_from_directory
from flask_login import current_user, login_required

from ...policy import WriteRefused
from ...refusals import Refusal
from ...settings import site_setting
from .. import bp
from ..forms import ImageUploadForm
from ..service import uploads

# Public images never change under their name (it is their bytes' hash), so a copy may be kept for good.
FOREVER = "public, max-age=31536000, immutable"


# The edit form's endpoints, which take an image with the text (the thread forms' are threads/views/attach.py).
ATTACHING = {"posts.update", "posts.preview_edit"}


@bp.url_value_preprocessor
def _allow_image_uploads(endpoint, values):
    """Let an upload through before anything reads the body (the CSRF check does); beyond, a 413. A form
    takes one only as multipart: its text fields stay within MAX_FORM_MEMORY_SIZE, any other body within
    MAX_CONTENT_LENGTH."""
    if endpoint == "posts.upload_image" or (endpoint in ATTACHING and request.mimetype == "multipart/form-data"):
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


@bp.post("/uploads")
@login_required
def upload_image():
    """Take one image for the composer; answer with the Markdown that shows it (JSON), 201."""
    form = ImageUploadForm()
    if not form.validate():
        return _refused(" ".join(error for errors in form.errors.values() for error in errors), 422)
    data = form.image.data.stream.read(site_setting("IMAGE_MAX_KB") * 1024 + 1)
    try:
        upload = uploads.accept(current_user, data, form.image.data.filename)
    except Refusal as error:  # 422 for the picture, 429 past the limit, 503 when the folder would not take it
        return _refused(error.message, error.status, getattr(error, "retry_after", None))
    except WriteRefused as refused:
        return _refused(refused.message, refused.status, refused.retry_after)
    return jsonify(markdown=uploads.reference(upload, form.alt.data), url=uploads.url_of(upload.sha256),
                   width=upload.width, height=upload.height), 201


def _refused(message: str, status: int, retry_after: int | None = None):
    response = jsonify(error=message)
    response.status_code = status
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@bp.get("/uploads/<name>")
def image(name):
    """An image in a post, to whoever may read a post showing it (README "Uploads")."""
    match = uploads.FILE_NAME.fullmatch(name)
    if match is None:
        abort(404, "There is no such image.")
    seen = uploads.visibility(match.group(1), current_user)
    if not seen.shown:
        abort(404, "There is no such image.")
    response = send_from_directory(uploads.folder(), name, mimetype="image/webp", conditional=True,
                                   etag=True, max_age=None)
    if seen.public:
        response.headers["Cache-Control"] = FOREVER
    # else no cache keeps it (forum/security.py: an answer to a signed-in member is no-store), so it goes
    # the moment its post does, and nobody at the same computer later sees it.
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'  # the name matched FILE_NAME
    return response
