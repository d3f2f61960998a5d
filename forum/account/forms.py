"""The settings pages' forms: name, password, bio, picture, email, and deleting the account.

What a picture may be is decided in members/service/avatars.py; the rules beyond shape and length in the services."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, PasswordField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Email, Length

from ..auth.forms import NewPasswordForm, RegisterForm
from ..auth.service.passwords import MAX_LENGTH
from ..notifications import mail as notification_mail
from .service import BIO_MAX

HINTS = {"off": "No notification email (the default).",
         "each": "An email a few minutes after something happens.",
         "daily": "At most one email a day, listing what happened."}


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


class EmailSettingsForm(FlaskForm):
    email_notifications = RadioField(
        "Email me about notifications",
        choices=[SelectChoice(value, f"{label} — {HINTS[value]}")
                 for value, label in notification_mail.CHOICES.items()],
        validators=[DataRequired(notification_mail.CHOOSE),
                    AnyOf(list(notification_mail.CHOICES), message=notification_mail.CHOOSE)],
        validate_choice=False,  # AnyOf says it in words a member understands
    )


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password."), Length(max=MAX_LENGTH)]
    )
    new_password = NewPasswordForm.new_password
    confirm = NewPasswordForm.confirm


class ProfileForm(FlaskForm):
    display_name = RegisterForm.display_name
    name_style = RegisterForm.name_style


class ChangeEmailForm(FlaskForm):
    """A new address for the account: it replaces the old one once the link mailed to it is followed."""

    email = EmailField(
        "New email address",
        validators=[DataRequired("Enter the new address."), Length(max=254), Email("Enter a valid email address.")],
        description="We send a link there; your account keeps its current address until you open it.",
    )
    password = PasswordField(
        "Your password",
        validators=[DataRequired("Enter your password to confirm."), Length(max=MAX_LENGTH)],
        description="To be sure it is you.",
    )


class TwoFactorCodeForm(FlaskForm):
    code = StringField("Code from your app", validators=[DataRequired("Enter the 6-digit code your app shows."),
                                                        Length(max=16)],
                       description="After adding the key, your app shows a new 6-digit code every 30 seconds.")


class TwoFactorPasswordForm(FlaskForm):
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=MAX_LENGTH)])
