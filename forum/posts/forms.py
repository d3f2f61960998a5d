"""Forms for writing and editing posts."""

import secrets

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..ids import parse_id

BODY_MAX = 20_000


def body_field(label: str) -> TextAreaField:
    """The post body: required, and capped before anything renders it."""
    return TextAreaField(
        label,
        validators=[
            DataRequired("Write something first."),
            Length(max=BODY_MAX, message=f"Posts are at most {BODY_MAX:,} characters long."),
        ],
    )


ALT_MAX = 200
ALT_HINT = ("Say what the image shows, for people who cannot see it. Left empty, the words of the file's "
            "name are used.")


class ImageFields:
    """An image attached through the form itself (without JavaScript): the server uploads it and adds its
    reference to the end of the text, where the member can move it and write a caption under it."""

    image = FileField("Image file", description="A PNG, JPEG, GIF or WebP picture. Its reference is "
                                                     "added to the end of your text, where you can move it.")
    image_alt = StringField("Image description (alt text)", description=ALT_HINT,
                            validators=[Length(max=ALT_MAX, message=f"Keep it to {ALT_MAX} characters.")])


class ImageUploadForm(FlaskForm):
    """The composer's paste, drop or file choice, with JavaScript: answered with the reference."""

    image = FileField("Image", validators=[FileRequired("Choose an image to upload.")])
    alt = StringField("Image description (alt text)",
                      validators=[Length(max=ALT_MAX, message=f"Keep it to {ALT_MAX} characters.")])


def _number(field) -> int | None:
    return int(field.data) if (field.data or "").isdigit() else None


def new_request_key() -> str:
    """A composer's one-time key (its request_key field)."""
    return secrets.token_urlsafe(16)


class ReplyForm(ImageFields, FlaskForm):
    body = body_field("Your reply")
    # The post being answered, if any.
    parent_id = HiddenField()
    # One key per composer: a double click or a retried submission cannot post twice.
    request_key = HiddenField(validators=[Length(max=64)])

    @classmethod
    def fresh(cls, body: str = "", parent_id: int | None = None) -> "ReplyForm":
        """An unsubmitted composer with its own request key."""
        return cls(formdata=None, body=body, parent_id=str(parent_id or ""), request_key=new_request_key())

    def keep_key(self) -> "ReplyForm":
        """Shown again (a preview, a refused reply): keep the composer's key, or give it one."""
        if not self.request_key.data:
            self.request_key.data = new_request_key()
        return self

    @property
    def answered_post_id(self) -> int | None:
        return parse_id(self.parent_id.data)


class EditForm(ImageFields, FlaskForm):
    body = body_field("Edit post")
    # The version of the post the member started editing; a mismatch means someone else edited it.
    version = HiddenField()

    @property
    def expected_version(self) -> int | None:
        """The version the form was opened at, or None if the field is missing or garbled."""
        return _number(self.version)
