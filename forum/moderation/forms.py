"""Forms for sanctions, lifting them, appeals and their decisions."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..ids import MAX_ID
from ..models.moderation import FLAG_REASONS, SANCTION_KINDS, SIGN_OUT_KINDS
from .service import flags
from .service.trust_levels import TRUST_CHOICES


class SanctionForm(FlaskForm):
    kind = SelectField("Sanction", choices=[SelectChoice(k, v) for k, v in SANCTION_KINDS.items()],
                       validators=[DataRequired("Choose a sanction.")],
                       # Never empty, as a choice starts chosen: HTML allows `required` only on a select
                       # whose first option is an empty placeholder.
                       render_kw={"required": False})
    reason = TextAreaField("Reason shown to the member", validators=[
        DataRequired("Give the member a reason: it is shown to them."), Length(max=500)])
    note = TextAreaField("Internal note for staff", validators=[Optional(), Length(max=5000)],
                         description="Never shown to the member or in the public log.")
    days = IntegerField("For how many days", validators=[Optional(), NumberRange(1, 3650, "Between 1 and 3650 days.")],
                        description="A suspension needs it. Left empty, a warning lasts 90 days and the others "
                                    "last until lifted.")
    thread_id = IntegerField("Thread number (for “cannot reply in a thread”)",
                             validators=[Optional(), NumberRange(1, MAX_ID, "There is no thread with that number.")])
    slow_mode_minutes = IntegerField("Minutes between posts (for slow mode)",
                                     validators=[Optional(), NumberRange(1, 1440, "Between 1 and 1440 minutes.")])
    remove_posts = BooleanField("Also remove all of this member's posts (restored if the sanction is lifted)")

    # The kinds each optional field is for: the page shows a field only for its kinds (forum.js; all of
    # them without JavaScript), and a value sent for another kind is not used.
    KIND_FIELDS = {
        "days": ("warning", "silence", "suspension", "thread_ban", "slow_mode"),
        "thread_id": ("thread_ban",),
        "slow_mode_minutes": ("slow_mode",),
        "remove_posts": SIGN_OUT_KINDS,
    }

    def used(self, name: str):
        """The field's value if the chosen kind uses it, else None."""
        return getattr(self, name).data if self.kind.data in self.KIND_FIELDS[name] else None


class LiftForm(FlaskForm):
    reason = StringField("Why lift it early", validators=[DataRequired("Say why the sanction is lifted."),
                                                          Length(max=500)])


class AppealForm(FlaskForm):
    text = TextAreaField("Your appeal", validators=[
        DataRequired("Tell the moderators why the sanction should be lifted."), Length(max=5000)])


class DecisionForm(FlaskForm):
    outcome = RadioField("Decision", choices=[SelectChoice("lifted", "Lift the sanction"),
                                              SelectChoice("upheld", "Uphold it")],
                         validators=[DataRequired("Choose to lift or uphold the sanction.")])
    reason = TextAreaField("Reason, sent to the member", validators=[
        DataRequired("Give the member the reason for the decision."), Length(max=500)])


class FlagForm(FlaskForm):
    reason = RadioField("Why should a moderator look at this post?",
                        choices=[SelectChoice(key, label) for key, label in FLAG_REASONS.items()],
                        validators=[InputRequired("Choose why you are flagging this post.")])
    note = TextAreaField("Note for the moderators", validators=[Optional(), Length(max=flags.NOTE_MAX)],
                         description="Needed for “Something else”. Only staff see it.")


class TrustForm(FlaskForm):
    level = RadioField(
        "Trust level",
        choices=[SelectChoice(value, label) for value, label in TRUST_CHOICES.items()],
        validators=[DataRequired("Choose a level, or automatic.")],
        description="A level set by hand stays until it is set back to automatic (README, “Trust levels”).",
    )
    reason = StringField("Why", validators=[Length(max=400, message="Use at most 400 characters.")],
                         description="For the moderation log, seen by staff.")
