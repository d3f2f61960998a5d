"""Admin forms; the rules beyond shape and length live in the services."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .service import categories as category_service
from .service.blocks import KINDS
from .service.members import ROLE_LABELS


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


class CategoryForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the category a name."), Length(max=60)])
    slug = StringField("Address", validators=[Optional(), Length(max=60)],
                       description="The category lives at /c/<address>: lower-case letters, digits and "
                                   "hyphens. Leave it empty to make one from the name. Changing it breaks "
                                   "old links to the category.")
    description = TextAreaField("Description", validators=[Length(max=300)], render_kw={"rows": 2})
    position = IntegerField("Position", default=0, validators=[Optional(), NumberRange(0, 1000,
                            "Enter a whole number from 0 to 1000.")],
                            description="Lower numbers come first; equal ones go by name.")
    members_only = BooleanField("Members only", description="Guests see the category's name but none of its "
                                "threads or posts, in lists, search or feeds.")

    def fields(self) -> category_service.CategoryFields:
        return category_service.CategoryFields(name=self.name.data or "", slug=self.slug.data or "",
                                               description=self.description.data or "", position=self.position.data or 0,
                                               members_only=self.members_only.data)


class AllowDomainForm(FlaskForm):
    domain = StringField(
        "Domain",
        validators=[DataRequired("Enter the domain to allow."), Length(max=253)],
        description="A domain on the list of throwaway-address providers, such as mailinator.com.",
    )
    reason = StringField(
        "Reason, for staff",
        validators=[DataRequired("Say why, for the other staff."), Length(max=500)],
    )
