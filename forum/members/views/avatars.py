"""Serving avatars: the generated initials picture, and uploaded pictures under names that never change."""

from flask import abort, g, make_response, request, send_from_directory

from ...extensions import db
from ...models import User
from .. import bp
from ..service import avatars

# Uploaded pictures get a new name with each upload, so a copy may be kept for good.
FOREVER = "public, max-age=31536000, immutable"
# The generated picture follows the member's name; its URL carries a version, the ETag makes checks cheap.
AN_HOUR = "public, max-age=3600"


@bp.app_template_global()
def avatar_url(user) -> str:
    """The URL of a member's picture, for <img src>: worked out once per member and request, since a
    thread page shows each author's picture on every post of theirs (about 30 µs each otherwise)."""
    known = g.setdefault("avatar_urls", {})
    key = (user.id, user.avatar, user.deleted_at, user.public_name)
    url = known.get(key)
    if url is None:
        url = known[key] = avatars.avatar_url(user)
    return url


@bp.get("/avatars/<int:user_id>.svg")
def avatar_svg(user_id):
    """A member's generated initials picture."""
    user = db.session.get(User, user_id) or abort(404, "There is no such member.")
    response = make_response(avatars.initials_svg(user))
    response.mimetype = "image/svg+xml"
    response.headers["Cache-Control"] = AN_HOUR
    response.set_etag(avatars.svg_version(user))
    return response.make_conditional(request)


@bp.get("/avatars/uploads/<name>")
def avatar_file(name):
    """An uploaded picture, re-encoded when it was stored."""
    if not avatars.FILE_NAME.fullmatch(name):
        abort(404, "There is no such picture.")
    response = send_from_directory(avatars.folder(), name, mimetype="image/webp", conditional=True)
    response.headers["Cache-Control"] = FOREVER
    return response
