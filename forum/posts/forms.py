"""Forms for writing and editing posts."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

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


class ReplyForm(FlaskForm):
    body = body_field("Your reply")


class EditForm(FlaskForm):
    body = body_field("Edit post")
    # The version of the post the member started editing; a mismatch means someone else edited it.
    version = HiddenField()

    @property
    def expected_version(self) -> int | None:
        """The version the form was opened at, or None if the field is missing or garbled."""
        return int(self.version.data) if (self.version.data or "").isdigit() else None
