"""Account forms; rules beyond shape and length live in the service."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from .service.passwords import MAX_LENGTH, MIN_LENGTH

password_length = Length(
    min=MIN_LENGTH, max=MAX_LENGTH, message=f"Use {MIN_LENGTH} to {MAX_LENGTH} characters."
)
PASSWORD_HINT = (f"At least {MIN_LENGTH} characters; not a common password, not one character repeated, "
                 "not your username or email address.")


class GuestFormTraps:
    """The bot traps every guest form carries (forum/auth/service/traps.py): the honeypot, which
    people never see and leave empty, and the signed time the form was shown."""

    comment = StringField("Leave this empty", description="It is here to catch robots that fill in every field.",
                          validators=[Length(max=200)])
    shown = HiddenField()
    trap_error = ""  # set when a trap sends the form back to a person (forum/auth/views/traps.py)


class RegisterForm(GuestFormTraps, FlaskForm):
    """What a new member tells before the mailed link; the password is chosen on the page it opens."""

    username = StringField(
        "Username",
        validators=[DataRequired("Choose a username."), Length(max=40)],
        description="3–20 letters a–z, digits, '_' or '-'. This is how others mention you.",
    )
    display_name = StringField(
        "Display name",
        validators=[DataRequired("Tell us what to call you."), Length(max=50)],
        description="Your name, for example “Rhonda Bird”.",
    )
    name_style = RadioField(
        "Show my name as",
        choices=[SelectChoice("full", "Full name (Rhonda Bird)"),
                 SelectChoice("short", "First name and last initial (Rhonda B.)")],
        default="full",
        validators=[DataRequired("Choose how your name is shown.")],
    )
    email = EmailField(
        "Email",
        validators=[DataRequired("Enter your email address."), Length(max=254), Email("Enter a valid email address.")],
        description="Never shown to other members. We send a link there to finish creating your account.",
    )
    # Asked on this form only when EMAIL_CONFIRMATION is off; otherwise on the page the mailed link opens.
    password = PasswordField("Password", validators=[Optional(), password_length], description=PASSWORD_HINT)
    next = HiddenField()
    invite = HiddenField()  # the invitation token, when the registration came from an invitation link
    challenge = HiddenField()  # the solved proof-of-work puzzle, filled in by static/js/challenge.js


class FinishRegistrationForm(FlaskForm):
    """The page the registration link opens: the username again (it may have been taken since), the password."""

    username = RegisterForm.username
    password = PasswordField(
        "Password", validators=[DataRequired("Choose a password."), password_length], description=PASSWORD_HINT
    )


class LoginForm(GuestFormTraps, FlaskForm):
    username = StringField(
        "Username or email", validators=[DataRequired("Enter your username or email."), Length(max=254)]
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=MAX_LENGTH)]
    )
    remember = BooleanField("Remember me on this device")
    next = HiddenField()


class ResetRequestForm(GuestFormTraps, FlaskForm):
    email = EmailField(
        "Email",
        validators=[DataRequired("Enter your email address."), Length(max=254), Email("Enter a valid email address.")],
        description="The address you registered with.",
    )


class NewPasswordForm(FlaskForm):
    """A new password, twice: the reset page's form, and half of the settings page's (account.forms)."""

    new_password = PasswordField(
        "New password", validators=[DataRequired("Choose a new password."), password_length],
        description=PASSWORD_HINT,
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired("Repeat the new password."), EqualTo("new_password", "The two passwords differ.")],
    )


class SecondStepForm(FlaskForm):
    """The sign-in's second step: a code from the authenticator app, or a recovery code."""

    code = StringField("Code", validators=[DataRequired("Enter the code your app shows, or a recovery code."),
                                           Length(max=32)],
                       description="6 digits from your authenticator app, or one of your recovery codes.")
    trust = BooleanField("Don't ask for a code on this browser for 30 days",
                         description="Your password is still asked. A new password, a suspension or a ban ends this.")


class ConfirmPasswordForm(FlaskForm):
    """Asked again before a sensitive staff action when the sign-in is no longer recent."""

    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=MAX_LENGTH)])
    next = HiddenField()
    resend_to = HiddenField()  # the form a stale page sent, offered again once the password is given
