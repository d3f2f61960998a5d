"""The form for starting a thread."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..posts.forms import body_field

TITLE_MIN, TITLE_MAX = 3, 150


class ThreadForm(FlaskForm):
    category = SelectField("Category", coerce=str, validators=[DataRequired("Choose a category.")])
    title = StringField(
        "Title",
        validators=[
            DataRequired("Give your thread a title."),
            Length(TITLE_MIN, TITLE_MAX, f"Titles are {TITLE_MIN} to {TITLE_MAX} characters long."),
        ],
    )
    body: TextAreaField = body_field("Post")
