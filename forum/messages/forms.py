"""Forms for private conversations: starting one, the composer, editing, adding a member, flagging."""

import secrets

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..models.messages import MESSAGES_FROM
from ..models.moderation import FLAG_REASONS
from ..posts.forms import body_field
from .service import SUBJECT_MAX


class _Keyed(FlaskForm):
    # One key per composer: a double click or a retried submission cannot send twice.
    request_key = HiddenField(validators=[Length(max=64)])

    def keep_key(self):
        """Shown again (a refusal, a preview): keep the composer's key, or give it one."""
        if not self.request_key.data:
            self.request_key.data = secrets.token_urlsafe(16)
        return self


class NewConversationForm(_Keyed):
    to = StringField("To", validators=[DataRequired("Name at least one member to write to."), Length(max=400)],
                     description="Usernames, separated by commas or spaces.")
    subject = StringField("Subject", validators=[DataRequired("Give the conversation a subject."),
                                                  Length(max=SUBJECT_MAX)])
    body = body_field("Message")
    from_moderators = BooleanField("Send as the moderators (every member of staff can read this conversation)")

    @property
    def usernames(self) -> list[str]:
        names = (self.to.data or "").replace(",", " ").split()
        return list(dict.fromkeys(name.lstrip("@").lower() for name in names))


class MessageForm(_Keyed):
    body = body_field("Your message")

    @classmethod
    def fresh(cls, body: str = "") -> "MessageForm":
        return cls(formdata=None, body=body, request_key=secrets.token_urlsafe(16))


class EditMessageForm(FlaskForm):
    body = body_field("Edit message")
    version = HiddenField()

    @property
    def expected_version(self) -> int | None:
        return int(self.version.data) if (self.version.data or "").isdigit() else None


class AddMemberForm(FlaskForm):
    username = StringField("Add a member", validators=[DataRequired("Name the member to add."), Length(max=40)])


class MessageFlagForm(FlaskForm):
    reason = RadioField("Why should a moderator read this message?", choices=[SelectChoice(k, v) for k, v in FLAG_REASONS.items()],
                        validators=[DataRequired("Choose a reason.")])
    note = TextAreaField("Anything the moderators should know (optional)", validators=[Length(max=500)])


class MessagesFromForm(FlaskForm):
    messages_from = RadioField("Who may start a private conversation with you", choices=[SelectChoice(k, v) for k, v in MESSAGES_FROM.items()],
                               validators=[DataRequired("Choose one.")])
