"""The form for starting a thread."""

import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..posts.forms import ImageFields, body_field

TITLE_MIN, TITLE_MAX = 3, 150


class ThreadForm(ImageFields, FlaskForm):
    category = SelectField("Category", coerce=str, validators=[DataRequired("Choose a category.")])
    title = StringField(
        "Title",
        validators=[
            DataRequired("Give your thread a title."),
            Length(TITLE_MIN, TITLE_MAX, f"Titles are {TITLE_MIN} to {TITLE_MAX} characters long."),
        ],
    )
    body: TextAreaField = body_field("Post")
    # One key per form: a double click or a retried submission cannot start the thread twice.
    request_key = HiddenField(validators=[Length(max=64)])

    def keep_key(self) -> "ThreadForm":
        """Shown (first, or again after a refusal): keep the form's key, or give it one."""
        if not self.request_key.data:
            self.request_key.data = secrets.token_urlsafe(16)
        return self
