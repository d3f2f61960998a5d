"""Admin forms; the rules beyond shape and length live in the services."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..settings import BY_NAME, SETTINGS, Setting
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


class LogoForm(FlaskForm):
    logo = FileField("Logo picture", validators=[FileRequired("Choose a picture to upload.")],
                     description=BY_NAME["LOGO"].help)


class SettingsForm(FlaskForm):
    """/admin/settings: one input per site setting (forum/settings.py), made from its row below. The
    values are checked by the settings' own rules (Setting.clean), so that typed text comes back as typed."""

    def submitted(self, sent) -> dict[str, object]:
        """The value of each setting the form still holds (the view removes those the environment fixed) and
        whose input was `sent`: one left out is left as it is (an emptied text input is sent, as "")."""
        return {setting.name: self[setting.field_name].data for setting in SETTINGS
                if setting.field_name in self and setting.field_name in sent}


class LinesField(TextAreaField):
    """A list shown one item a line (a setting of kind "origins" or "looks"); what is typed comes back as typed."""

    def _value(self):
        return "\n".join(self.data) if isinstance(self.data, list) else super()._value()


def _setting_field(setting: Setting):
    if setting.kind in ("origins", "looks"):
        return LinesField(setting.label, description=setting.help, render_kw={"rows": 3, "maxlength": setting.max_length})
    if setting.kind in ("choice", "bool"):
        return RadioField(setting.label, choices=[SelectChoice(value, label) for value, label in setting.choices],
                          description=setting.help, validate_choice=False)
    if setting.kind == "int":
        return StringField(setting.label, description=setting.help,
                           render_kw={"inputmode": "numeric", "maxlength": 9, "class": "short"})
    return StringField(setting.label, description=setting.help, render_kw={"maxlength": setting.max_length})


for _setting in SETTINGS:
    if _setting.kind != "image":  # a picture has a form of its own (LogoForm): an upload cannot be typed again
        setattr(SettingsForm, _setting.field_name, _setting_field(_setting))
del _setting


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


class TwoFactorResetForm(FlaskForm):
    reason = StringField(
        "Reason, for staff",
        validators=[Length(max=500)],
        description="How you know the request is the member's own (they lost their phone and their recovery "
                    "codes). Kept in the moderation log for staff; the member is told by mail.",
    )
