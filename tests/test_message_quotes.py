"""Quotes inside a private conversation are attributed and collapse as quotes in posts do; and a private
message can never be quoted anywhere else. Tested as an attacker would try: the ids of messages of
conversations the member is in and is not in, pasted links, and every quote endpoint."""

import re

import pytest

from forum.extensions import db
from forum.members.service import preferences
from forum.messages import service
from forum.messages.service import display
from forum.models import Post, PrivateMessage
from forum.posts import service as posts
from forum.posts.service import held
from forum.threads import service as threads
from tests.factories import make_category, make_reply, make_thread, make_user

SECRET = "The spare key is in the blue teapot"
PRIVATE_QUOTE = "This quotes a private message. Private messages stay in their conversation"
ELSEWHERE = "This quotes a message from another conversation."


@pytest.fixture
def rhonda(app):
    return make_user(username="rhonda", display_name="Rhonda Bird")


def first_message(conversation) -> PrivateMessage:
    return db.session.scalar(db.select(PrivateMessage).where(PrivateMessage.conversation_id == conversation.id)
                             .order_by(PrivateMessage.id))


@pytest.fixture
def secret(susan, rhonda):
    """A message in a conversation Lou is not in."""
    return first_message(service.start_conversation(susan, [rhonda], "Keys", SECRET))


@pytest.fixture
def ours(lou, susan):
    """A conversation Lou is in, and its first message (Susan's)."""
    conversation = service.start_conversation(susan, [lou], "Plans", "Meet at the bridge at noon.")
    return conversation, first_message(conversation)


def forged_quote(message_id: int, name="Susan Tate", words=SECRET) -> str:
    return f"> [{name}](/messages/m/{message_id}) wrote:\n> {words}\n\nWhat do you all think?"


# Quotes inside the conversation


def test_a_quote_is_attributed_and_links_to_the_quoted_message(client, lou, ours):
    conversation, quoted = ours
    client.sign_in(lou)
    text = client.get(f"/messages/m/{quoted.id}/quote")
    assert text.status_code == 200 and text.mimetype == "text/plain"
    assert text.text == f"> [Susan Tate](/messages/m/{quoted.id}) wrote:\n> Meet at the bridge at noon.\n\n"
    assert client.get(f"/messages/m/{quoted.id}/quote?selection=the bridge").text.endswith("> the bridge\n\n")
    sent = client.submit(f"/messages/{conversation.id}/reply", {"body": text.text + "Noon works."}, htmx=True)
    assert sent.status_code == 201
    assert f'<blockquote class="quote" data-quote="m{quoted.id}">' in sent.text
    assert (f'<cite class="attribution"><a href="/messages/m/{quoted.id}" class="attribution-link"'
            in sent.text) and "Susan Tate</a> wrote:</cite>" in sent.text


def test_the_quote_link_works_without_javascript_and_names_the_composer_for_the_script(client, lou, ours):
    conversation, quoted = ours
    client.sign_in(lou)
    page = client.get(f"/messages/{conversation.id}").text
    assert f'data-composer="message-body" data-quote-url="/messages/m/{quoted.id}/quote"' in page
    page = client.get(f"/messages/{conversation.id}?quote={quoted.id}").text
    assert f"&gt; [Susan Tate](/messages/m/{quoted.id}) wrote:" in page


def test_a_quote_of_a_deleted_message_collapses_to_its_placeholder(client, lou, susan, ours):
    conversation, quoted = ours
    reply = service.add_message(conversation, lou, display.quote_of(quoted) + "Noon works.")
    service.delete_message(quoted, susan)
    db.session.expire_all()
    html = db.session.get(PrivateMessage, reply.id).body_html
    assert "bridge" not in html and "deleted by its author" in html.lower()
    # quoting the reply again carries the placeholder over, never the words taken back
    again = display.quote_of(db.session.get(PrivateMessage, reply.id))
    assert "bridge" not in again and f"/messages/m/{quoted.id}" in again
    client.sign_in(lou)
    assert client.get(f"/messages/m/{quoted.id}/quote").status_code == 404


def test_quotes_of_a_member_the_reader_ignores_collapse(client, lou, susan, rhonda):
    conversation = service.start_conversation(susan, [lou, rhonda], "Three of us", "Hello both.")
    said = service.add_message(conversation, rhonda, "Rhonda's view on the matter.")
    service.add_message(conversation, susan, display.quote_of(said) + "I agree with that.")
    preferences.ignore(lou, rhonda)
    client.sign_in(lou)
    page = client.get(f"/messages/{conversation.id}").text
    assert page.count('<details class="ignored-quote">') == 1
    client.sign_in(susan)
    assert '<details class="ignored-quote">' not in client.get(f"/messages/{conversation.id}").text


def test_deep_quotes_are_trimmed_with_a_link_to_the_message(lou, susan, ours):
    conversation, quoted = ours
    message = quoted
    for n in range(4):
        message = service.add_message(conversation, (lou, susan)[n % 2], display.quote_of(message) + f"Level {n}.")
    text = display.quote_of(message)
    assert f"[… earlier quotes trimmed](/messages/m/{message.id})" in text
    assert max(len(re.match(r"^(?:> ?)*", line).group(0).replace(" ", "")) for line in text.splitlines()) <= 3


# A private message quoted anywhere else


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_public_reply_quoting_a_message_is_refused_beside_the_field(client, lou, ours, htmx):
    _, mine = ours  # even a message of a conversation the member is in stays there
    thread = make_thread(title="Open talk", body="Anyone may read this.")
    client.sign_in(lou)
    before = db.session.scalar(db.select(db.func.count(Post.id)))
    response = client.submit(f"/t/{thread.id}/reply", {"body": forged_quote(mine.id, words="at the bridge")},
                             htmx=htmx)
    assert response.status_code == 422
    assert re.search(r'id="reply-body-error">' + re.escape(PRIVATE_QUOTE), response.text)
    assert "What do you all think?" in response.text  # the text is kept
    assert db.session.scalar(db.select(db.func.count(Post.id))) == before


def test_a_new_thread_or_an_edit_quoting_a_message_is_refused(client, lou, secret):
    category = make_category(slug="open", name="Open")
    client.sign_in(lou)
    response = client.submit("/new", {"category": "open", "title": "Leaked", "body": forged_quote(secret.id)})
    assert response.status_code == 422 and PRIVATE_QUOTE in response.text and 'id="body-error"' in response.text
    with pytest.raises(posts.QuoteRefused):
        threads.start_thread(lou, category, "Leaked", forged_quote(secret.id))
    with pytest.raises(posts.QuoteRefused):  # nor is it held for a moderator to approve
        held.hold_thread(lou, category, "Leaked", forged_quote(secret.id), "new")
    thread = make_thread(category=category)
    mine = make_reply(thread, author=lou, body="Nothing to see.")
    response = client.submit(f"/p/{mine.id}/edit", {"body": forged_quote(secret.id), "version": "1"}, htmx=True)
    assert response.status_code == 422 and PRIVATE_QUOTE in response.text
    assert db.session.get(Post, mine.id).body == "Nothing to see."


def test_a_public_preview_of_a_forged_quote_shows_only_what_was_typed(client, lou, secret):
    """The renderer never looks a message up for a post: neither its words nor its author's name appear."""
    thread = make_thread()
    client.sign_in(lou)
    preview = client.submit(f"/t/{thread.id}/preview", {"body": forged_quote(secret.id, "Somebody", "guess")},
                            htmx=True)
    assert preview.status_code == 200 and SECRET not in preview.text and "Susan Tate" not in preview.text


@pytest.mark.parametrize("how", ["reply", "new", "edit"])
def test_a_message_cannot_quote_a_message_of_another_conversation(client, lou, susan, ours, secret, how):
    conversation, _ = ours
    client.sign_in(lou)
    if how == "reply":
        response = client.submit(f"/messages/{conversation.id}/reply", {"body": forged_quote(secret.id)}, htmx=True)
    elif how == "new":
        response = client.submit("/messages/new", {"to": "susan_t", "subject": "Hi", "body": forged_quote(secret.id)})
    else:
        mine = service.add_message(conversation, lou, "Harmless.")
        response = client.submit(f"/messages/m/{mine.id}/edit", {"body": forged_quote(secret.id), "version": "1"})
    assert response.status_code == 422 and ELSEWHERE in response.text
    stored = db.session.scalars(db.select(PrivateMessage.body_html).where(PrivateMessage.id != secret.id)).all()
    assert not any("blue teapot" in html and "attribution" in html for html in stored)


def test_no_quote_endpoint_gives_away_a_message_of_another_conversation(client, lou, ours, secret):
    conversation, _ = ours
    thread = make_thread(body="Opening words.")
    for _ in range(3):  # a post with the secret message's id exists too: its words, never the message's
        make_reply(thread)
    client.sign_in(lou)
    answers = [client.get(f"/messages/m/{secret.id}/quote"), client.get(f"/messages/m/{secret.id}/quote?selection=x"),
               client.get(f"/messages/{conversation.id}?quote={secret.id}"), client.get(f"/p/{secret.id}/quote"),
               client.get(f"/p/{secret.id}/reply?quote=1"), client.get(f"/messages/m/{secret.id}"),
               client.get(f"/messages/{secret.conversation_id}?quote={secret.id}")]
    assert [a.status_code for a in answers[:2]] == [404, 404] and answers[-2].status_code == 404
    assert answers[-1].status_code == 404
    for answer in answers:
        assert "blue teapot" not in answer.text and "Keys" not in answer.text
