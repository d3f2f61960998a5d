"""Forms for a member's own profile and data; what a picture may be is decided in avatars.py."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length

from ..auth.passwords import MAX_LENGTH
from .account import BIO_MAX


class BioForm(FlaskForm):
    bio = TextAreaField(
        "Bio",
        validators=[Length(max=BIO_MAX, message=f"Keep your bio to {BIO_MAX} characters.")],
        description=f"A few words about you, up to {BIO_MAX} characters. Markdown works, as in posts.",
    )


class AvatarForm(FlaskForm):
    picture = FileField(
        "Picture",
        validators=[FileRequired("Choose a picture to upload.")],
        description="A PNG, JPEG, GIF or WebP image. It is cropped to a square.",
    )


class DeleteAccountForm(FlaskForm):
    posts = RadioField(
        "Your posts",
        choices=[SelectChoice("keep", "Keep them, shown as written by “deleted member”"),
                 SelectChoice("remove", "Remove them: each leaves a note that its author deleted it")],
        validators=[DataRequired("Choose what happens to your posts.")],
    )
    password = PasswordField(
        "Your password",
        validators=[DataRequired("Enter your password to confirm."), Length(max=MAX_LENGTH)],
        description="To be sure it is you.",
    )
