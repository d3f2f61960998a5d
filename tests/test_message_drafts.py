"""A conversation's composer keeps its text as the member types, as a reply's does: restored when they come
back, kept when a send is refused, forgotten once sent (or emptied, or when they leave), and theirs alone."""

import re

from forum.extensions import db
from forum.messages import service
from forum.models import MessageDraft
from tests.factories import make_user


def start(author, *recipients, body="Hello there."):
    return service.start_conversation(author, list(recipients), "A quiet word", body)


def composer_text(page: str) -> str:
    return re.search(r'<textarea[^>]*id="message-body"[^>]*>(.*?)</textarea>', page, re.S).group(1).strip()


def test_a_draft_is_kept_and_restored_on_the_conversation_page(client, lou, susan):
    conversation = start(susan, lou)
    client.sign_in(lou)
    saved = client.submit(f"/messages/{conversation.id}/draft", {"body": "half a thought"}, htmx=True)
    assert saved.status_code == 204
    page = client.get(f"/messages/{conversation.id}").text
    assert composer_text(page) == "half a thought" and 'id="draft-note"' in page
    assert f'data-hx-post="/messages/{conversation.id}/draft"' in page  # the composer saves as it is typed


def test_sending_clears_the_draft(client, lou, susan):
    conversation = start(susan, lou)
    client.sign_in(lou)
    client.submit(f"/messages/{conversation.id}/draft", {"body": "half a thought"}, htmx=True)
    client.submit(f"/messages/{conversation.id}/reply", {"body": "the whole thought", "request_key": "k"}, htmx=True)
    assert db.session.get(MessageDraft, (lou.id, conversation.id)) is None
    page = client.get(f"/messages/{conversation.id}").text
    assert composer_text(page) == "" and 'id="draft-note"' not in page


def test_a_refused_send_keeps_the_draft_and_the_text(client, lou, susan):
    conversation = start(susan, lou)
    client.sign_in(lou)
    client.submit(f"/messages/{conversation.id}/draft", {"body": "x" * 10}, htmx=True)
    refused = client.submit(f"/messages/{conversation.id}/reply", {"body": "x" * 100_001}, htmx=True)
    assert refused.status_code == 422
    assert db.session.get(MessageDraft, (lou.id, conversation.id)).body == "x" * 10


def test_an_emptied_composer_and_leaving_forget_the_draft(client, lou, susan):
    conversation = start(susan, lou)
    client.sign_in(lou)
    client.submit(f"/messages/{conversation.id}/draft", {"body": "something"})
    client.submit(f"/messages/{conversation.id}/draft", {"body": "  "})
    assert db.session.get(MessageDraft, (lou.id, conversation.id)) is None
    client.submit(f"/messages/{conversation.id}/draft", {"body": "something again"})
    client.submit(f"/messages/{conversation.id}/leave")
    assert db.session.get(MessageDraft, (lou.id, conversation.id)) is None


def test_a_draft_is_its_writers_alone(client, lou, susan):
    conversation = start(susan, lou)
    client.sign_in(lou)
    client.submit(f"/messages/{conversation.id}/draft", {"body": "only for me"}, htmx=True)
    client.sign_in(susan)
    assert "only for me" not in client.get(f"/messages/{conversation.id}").text


def test_nobody_outside_keeps_a_draft_in_a_conversation(client, lou, susan):
    conversation = start(susan, lou)
    client.sign_in(make_user())
    assert client.submit(f"/messages/{conversation.id}/draft", {"body": "let me in"}, htmx=True).status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(MessageDraft)) == 0


def test_a_quote_goes_after_the_draft(client, lou, susan):
    conversation = start(susan, lou, body="Meet at noon.")
    client.sign_in(lou)
    client.submit(f"/messages/{conversation.id}/draft", {"body": "Agreed, and"}, htmx=True)
    page = client.get(f"/messages/{conversation.id}?quote={conversation.last_message_id}").text
    text = composer_text(page)
    assert text.startswith("Agreed, and") and "Meet at noon." in text
