"""Admin forms; the rules beyond shape and length live in the services."""

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, Length

from .blocks import KINDS
from .service import ROLE_LABELS


class RoleForm(FlaskForm):
    role = RadioField(
        "New role",
        choices=[SelectChoice(value, label) for value, label in ROLE_LABELS.items()],
        validators=[DataRequired("Choose a role.")],
        description="Moderators review flags and sanction members; admins also manage roles and blocks.",
    )


class BlockForm(FlaskForm):
    kind = RadioField(
        "Block",
        choices=[SelectChoice(value, label) for value, label in KINDS.items()],
        default="email",
        validators=[DataRequired("Choose what to block.")],
    )
    value = StringField(
        "Address",
        validators=[DataRequired("Enter the email address, IP address or network to block."), Length(max=254)],
        description="An email address (Gmail dots and +tags are ignored), or an IP address or network "
                    "such as 203.0.113.0/24 or 2001:db8::/48.",
    )
    reason = StringField(
        "Reason, for staff",
        validators=[DataRequired("Say why, for the other staff."), Length(max=500)],
        description="Never shown to the person refused: they see a neutral message.",
    )
