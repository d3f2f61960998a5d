"""Private conversations for `make bench`'s signed-in member: an inbox of a few pages, and one long
conversation whose last page is measured. Written with bulk Core inserts like the rest of the dataset
(bench/seed.py), with what the messages service keeps in step kept in step: each conversation's
message count, last message and its time, and each member's reading mark (a few conversations left
with unread messages, so the inbox shows its counts).

The member is the most active one (fewest id among equals), the one `bench.run` signs in as. A generator
of its own draws these rows, so the rest of the dataset is the same with them or without.
"""

import random
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, insert, select

from forum.models import ConversationParticipant, PrivateConversation, PrivateMessage
from forum.posts.service.render import RENDER_VERSION

from .text import title_text

BIG_SUBJECT = "The bench member's long conversation"
CONVERSATIONS = 60  # in the member's inbox: a few pages of it
BIG_CONVERSATION = 300  # messages in the long one (15 pages of 20)
OTHER_MESSAGES = 8  # at most, in each of the others
BATCH = 5000


def viewer_index(authors: list[int]) -> int:
    """The member who wrote the most posts (the lowest index among equals): bench.run's viewer."""
    counts = Counter(authors)
    return min(counts, key=lambda member: (-counts[member], member))


def load_conversations(connection, seed: int, bodies, members: int, first_member: int, viewer: int, now) -> int:
    """The member's conversations, each with another member; returns how many messages were written."""
    rng = random.Random(seed + 1)
    others = [index for index in range(members) if index != viewer][:CONVERSATIONS]
    next_conversation = _next_id(connection, PrivateConversation)
    next_message = _next_id(connection, PrivateMessage)
    conversations, places, messages = [], [], []
    for n in range(CONVERSATIONS):
        other = first_member + others[n % len(others)]
        me = first_member + viewer
        count = BIG_CONVERSATION if n == 0 else rng.randint(1, OTHER_MESSAGES)
        last_at = now - timedelta(hours=n, minutes=rng.randint(0, 59))
        ids = list(range(next_message, next_message + count))
        next_message += count
        for position, message_id in enumerate(ids):
            body, body_html, _ = bodies[rng.randrange(len(bodies))]
            messages.append({"id": message_id, "conversation_id": next_conversation,
                             "author_id": other if position % 2 == 0 else me, "body": body, "body_html": body_html,
                             "render_version": RENDER_VERSION, "links_allowed": True,
                             "created_at": last_at - timedelta(minutes=7 * (count - 1 - position)), "version": 1})
        started = messages[-count]["created_at"]
        conversations.append({"id": next_conversation, "subject": BIG_SUBJECT if n == 0 else title_text(rng),
                              "started_by_id": other, "created_at": started, "last_message_at": last_at,
                              "last_message_id": ids[-1], "message_count": count, "from_moderators": False})
        read = ids[-1] if n % 4 or count < 3 else ids[-3]  # every fourth has two unread messages
        places += [{"conversation_id": next_conversation, "user_id": me, "joined_at": started,
                    "last_read_id": read, "mailed_id": read},
                   {"conversation_id": next_conversation, "user_id": other, "joined_at": started,
                    "last_read_id": ids[-1], "mailed_id": ids[-1]}]
        next_conversation += 1
    for table, rows in ((PrivateConversation.__table__, conversations),
                        (ConversationParticipant.__table__, places), (PrivateMessage.__table__, messages)):
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(table), rows[start:start + BATCH])
    return len(messages)


def _next_id(connection, model) -> int:
    return (connection.scalar(select(func.max(model.id))) or 0) + 1
