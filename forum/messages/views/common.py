"""What every conversation view starts with: the conversation the member may read, or a 404."""

from flask import abort
from flask_login import current_user

from ..service import access, display

NOT_FOUND = "There is no such conversation."


def readable_or_404(conversation_id: int):
    """(conversation, the member's place in it or None for staff reading one from the moderators);
    404 alike for one that does not exist and one the member is not in: existence is not revealed."""
    return access.readable_conversation(conversation_id, current_user) or abort(404, NOT_FOUND)


def own_message_or_404(message_id: int):
    """A message in a conversation the member may read (its conversation too), or a 404."""
    message = display.get_message(message_id) or abort(404, "There is no such message.")
    conversation, place = readable_or_404(message.conversation_id)
    return message, conversation, place
