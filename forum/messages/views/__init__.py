"""Private conversations: the inbox and starting one, a conversation's page, its messages, and staff's
reading of flagged messages."""

from . import conversation, inbox, message, staff  # noqa: F401  (importing a module registers its routes)
