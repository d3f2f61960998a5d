"""A conversation's composer keeps its text as the member types, as a reply's does: restored when they come
back, kept when a send is refused, forgotten once sent (or emptied, or when they leave), and theirs alone."""

import re

from forum.extensions import db
from forum.messages import service
from forum.account import service as account
from forum.models import MessageDraft, NewConversationDraft
from tests.factories import PASSWORD, make_user


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


# The form that starts a conversation keeps one draft a member (recipients as typed, subject, text), as the
# "Start a thread" form does.

def field_value(page: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page).group(1)


def test_a_new_conversation_draft_is_kept_and_restored_with_a_note(client, lou, susan):
    client.sign_in(lou)
    saved = client.submit("/messages/new/draft", {"to": "susan", "subject": "Lunch", "body": "Are you free"}, htmx=True)
    assert saved.status_code == 204
    page = client.get("/messages/new").text
    assert 'id="draft-note"' in page and "Your unfinished message" in page
    assert field_value(page, "to") == "susan" and field_value(page, "subject") == "Lunch"
    assert composer_text(page.replace('id="body"', 'id="message-body"')) == "Are you free"
    assert 'data-hx-post="/messages/new/draft"' in page  # the form saves as it is typed


def test_a_link_naming_another_recipient_keeps_the_words_and_says_so(client, lou, susan):
    client.sign_in(lou)
    client.submit("/messages/new/draft", {"to": "susan", "subject": "Lunch", "body": "Are you free"}, htmx=True)
    page = client.get("/messages/new?to=rhonda").text
    assert field_value(page, "to") == "rhonda" and field_value(page, "subject") == "Lunch"
    assert "now addressed to rhonda" in page and "written to susan" in page
    same = client.get("/messages/new?to=susan").text
    assert 'id="draft-note"' in same and "now addressed to" not in same


def test_a_refused_new_conversation_keeps_its_draft_and_sending_clears_it(client, lou, susan):
    client.sign_in(lou)
    client.submit("/messages/new/draft", {"to": "susan", "subject": "Lunch", "body": "Are you free"}, htmx=True)
    refused = client.submit("/messages/new", {"to": "nobody_here", "subject": "Lunch", "body": "Are you free?",
                                              "request_key": "k1"}, htmx=True)
    assert refused.status_code == 422
    assert db.session.get(NewConversationDraft, lou.id).body == "Are you free"
    sent = client.submit("/messages/new", {"to": susan.username, "subject": "Lunch", "body": "Are you free?",
                                           "request_key": "k2"}, htmx=True)
    assert sent.status_code == 201
    db.session.expire_all()
    assert db.session.get(NewConversationDraft, lou.id) is None
    assert 'id="draft-note"' not in client.get("/messages/new").text
    # the form's last autosave, arriving after the send (its timer ran out as Send was pressed), brings nothing back
    late = client.submit("/messages/new/draft", {"to": susan.username, "subject": "Lunch", "body": "Are you free?",
                                                 "request_key": "k2"}, htmx=True)
    assert late.status_code == 204 and db.session.get(NewConversationDraft, lou.id) is None


def test_an_emptied_new_conversation_form_forgets_its_draft_and_it_is_its_writers_alone(client, lou, susan):
    client.sign_in(lou)
    client.submit("/messages/new/draft", {"to": "susan", "subject": "Lunch", "body": ""})
    assert db.session.get(NewConversationDraft, lou.id).subject == "Lunch"  # a subject alone is worth keeping
    client.sign_in(susan)
    assert 'id="draft-note"' not in client.get("/messages/new").text
    client.sign_in(lou)
    client.submit("/messages/new/draft", {"to": "susan", "subject": " ", "body": " "})
    assert db.session.get(NewConversationDraft, lou.id) is None


def test_a_new_conversation_draft_is_exported_and_deleted_with_the_account(client, lou):
    client.sign_in(lou)
    client.submit("/messages/new/draft", {"to": "susan", "subject": "Lunch", "body": "Are you free"})
    exported = account.export(lou)["new_conversation_draft"]
    assert [(d["to"], d["subject"], d["body"]) for d in exported] == [("susan", "Lunch", "Are you free")]
    account.delete_account(lou, PASSWORD, keep_posts=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(NewConversationDraft)) == 0


def test_the_new_conversation_form_costs_one_query_for_its_draft(client, queries, lou):
    """The member with their own state (sanction notices, the header's count: forum/member_state.py),
    and the draft (found or not)."""
    client.sign_in(lou)
    client.submit("/messages/new/draft", {"to": "susan", "subject": "Lunch", "body": "Are you free"})
    db.session.expunge_all()
    queries.clear()
    assert 'id="draft-note"' in client.get("/messages/new").text
    assert len(queries) == 2
