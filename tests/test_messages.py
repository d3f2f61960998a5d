"""Private conversations: starting one, the inbox, replying (with JS and without), leaving, editing, and
who may write to whom (ignores, the member's choice, trust levels, sanctions, the site's maximum)."""

import re

import pytest

from forum.database import write_transaction
from forum.extensions import db
from forum.members.service import preferences
from forum.messages import service
from forum.messages.service import access
from forum.models import ConversationParticipant, Ignore, MessageRevision, PrivateMessage, SiteSetting, User
from forum.moderation.service import sanctions
from forum.policy import WriteRefused
from forum.refusals import FieldError
from tests.conftest import HTMX
from tests.factories import make_user


@pytest.fixture
def rhonda(app):
    return make_user(username="rhonda", display_name="Rhonda Bird")


def start(author, *recipients, body="Hello there, a quiet word.", subject="A quiet word", **kwargs):
    return service.start_conversation(author, list(recipients), subject, body, **kwargs)


def set_trust(member, level):
    with write_transaction(public=False) as session:
        session.get(User, member.id).trust_level_set = level


# Starting and replying


def test_a_member_starts_a_conversation_from_the_form_and_lands_on_it(client, lou, susan):
    client.sign_in(lou)
    page = client.get("/messages/new?to=susan_t")
    assert page.status_code == 200 and 'value="susan_t"' in page.text
    sent = client.submit("/messages/new", {"to": "susan_t", "subject": "Your point", "body": "I **agree**."})
    assert sent.status_code == 303
    conversation_page = client.get(sent.headers["Location"])
    assert "Your point" in conversation_page.text and "<strong>agree</strong>" in conversation_page.text


def test_the_htmx_form_is_sent_to_the_new_conversation(client, lou, susan):
    client.sign_in(lou)
    sent = client.submit("/messages/new", {"to": "@susan_t", "subject": "Hi", "body": "Hello."}, htmx=True)
    assert sent.status_code == 201 and re.fullmatch(r"/messages/\d+", sent.headers["HX-Redirect"])


def test_a_refused_form_keeps_what_was_typed(client, lou):
    client.sign_in(lou)
    refused = client.submit("/messages/new", {"to": "nobody_here", "subject": "Hi", "body": "My long words."})
    assert refused.status_code == 422
    assert "There is no member called nobody_here." in refused.text and "My long words." in refused.text


def test_the_inbox_counts_unread_messages_and_lists_the_latest_first(client, lou, susan, rhonda):
    older = start(susan, lou, subject="Older")
    newer = start(rhonda, lou, subject="Newer")
    service.add_message(older, susan, "And another thing.")
    service.add_message(newer, rhonda, "Me again.")
    service.add_message(newer, rhonda, "And again.")
    client.sign_in(lou)
    inbox = client.get("/messages").text
    assert inbox.index("Newer") < inbox.index("Older")
    assert '3<span class="visually-hidden"> unread</span>' in inbox
    assert '2<span class="visually-hidden"> unread</span>' in inbox
    client.get(f"/messages/{newer.id}")  # reading it marks it read
    assert client.get("/messages").text.count("unread</span>") == 1 + 1  # Older's count, and the header's


def test_the_inbox_names_the_others_as_the_reader_may_see_them(client, app, lou, rhonda):
    from forum.auth.service import accounts

    accounts.update_profile(rhonda, "Rhonda Bird", "short")
    moderator = make_user(username="mona", display_name="Mona Mod", role="moderator")
    start(rhonda, lou, moderator, subject="Three of us")
    client.sign_in(lou)
    assert "with <bdi>Mona Mod</bdi>, <bdi>Rhonda B.</bdi>" in client.get("/messages").text
    staff = app.test_client()
    staff.sign_in(moderator)
    assert "with <bdi>Lou Dobbs</bdi>, <bdi>Rhonda Bird</bdi>" in staff.get("/messages").text  # staff see full names


def test_a_silenced_member_is_offered_no_control_on_a_conversation(client, lou, susan):
    conversation = start(susan, lou)
    service.add_message(conversation, lou, "My own words.")
    client.sign_in(lou)
    page = client.get(f"/messages/{conversation.id}").text
    assert page.count("quote-action") == 2 and "flag-action" in page and ">Edit</a>" in page
    sanctions.issue(make_user(role="moderator"), lou, sanctions.SanctionRequest(kind="silence", reason="Calm down"))
    page = client.get(f"/messages/{conversation.id}").text
    assert "You cannot send messages now" in page
    for control in ("quote-action", "flag-action", ">Edit</a>", ">Delete</button>", "Leave the conversation"):
        assert control not in page


def test_the_inbox_is_paged(client, lou, susan, monkeypatch):
    from forum.messages.service import display
    monkeypatch.setattr(display, "INBOX_PER_PAGE", 2)
    for n in range(3):
        start(susan, lou, subject=f"Conversation {n}")
    client.sign_in(lou)
    assert "Conversation 0" not in client.get("/messages").text
    assert "Conversation 0" in client.get("/messages?page=2").text
    assert client.get("/messages?page=3").status_code == 404


def test_a_reply_without_javascript_redirects_to_it(client, lou, susan):
    conversation = start(susan, lou)
    client.sign_in(lou)
    sent = client.submit(f"/messages/{conversation.id}/reply", {"body": "Thanks, noted.", "request_key": "k1"})
    assert sent.status_code == 303
    message = db.session.scalar(db.select(PrivateMessage).where(PrivateMessage.author_id == lou.id))
    assert sent.headers["Location"].endswith(f"/messages/{conversation.id}#m{message.id}")


def test_a_reply_with_htmx_appends_it_and_clears_the_composer(client, lou, susan):
    conversation = start(susan, lou)
    client.sign_in(lou)
    sent = client.submit(f"/messages/{conversation.id}/reply", {"body": "Thanks, noted.", "request_key": "k1"},
                         htmx=True)
    assert sent.status_code == 201
    assert 'hx-target="#messages"' in sent.text and "Thanks, noted." in sent.text
    assert 'id="message-form"' in sent.text and "HX-Request" in sent.headers["Vary"]


def test_a_double_submission_sends_one_message(client, lou, susan):
    conversation = start(susan, lou)
    client.sign_in(lou)
    for _ in range(2):
        client.submit(f"/messages/{conversation.id}/reply", {"body": "Once only.", "request_key": "same-key"})
    assert db.session.scalar(db.select(db.func.count()).where(PrivateMessage.author_id == lou.id)) == 1
    first = start(lou, susan, request_key="start-key")
    assert start(lou, susan, request_key="start-key").id == first.id


def test_an_empty_message_is_refused_with_a_message_beside_the_field(client, lou, susan):
    conversation = start(susan, lou)
    client.sign_in(lou)
    refused = client.submit(f"/messages/{conversation.id}/reply", {"body": ""}, htmx=True)
    assert refused.status_code == 422 and "Write something first." in refused.text


def test_a_third_member_is_added_and_reads_from_the_start(client, lou, susan, rhonda):
    conversation = start(susan, lou, body="The first words.")
    client.sign_in(susan)
    added = client.submit(f"/messages/{conversation.id}/members", {"username": "rhonda"})
    assert added.status_code == 303
    client.sign_in(rhonda)
    assert "The first words." in client.get(f"/messages/{conversation.id}").text


def test_leaving_takes_the_conversation_away(client, lou, susan):
    conversation = start(susan, lou, subject="Going soon")
    client.sign_in(lou)
    assert client.submit(f"/messages/{conversation.id}/leave").status_code == 303
    assert "Going soon" not in client.get("/messages").text
    assert client.get(f"/messages/{conversation.id}").status_code == 404


def test_quoting_a_message_fills_the_composer_with_it(client, lou, susan):
    conversation = start(susan, lou, body="Quote me on this.")
    message = db.session.scalar(db.select(PrivateMessage).where(PrivateMessage.conversation_id == conversation.id))
    client.sign_in(lou)
    page = client.get(f"/messages/{conversation.id}?quote={message.id}").text
    assert f"&gt; [Susan Tate](/messages/m/{message.id}) wrote:\n&gt; Quote me on this." in page


def test_a_message_from_another_conversation_cannot_be_quoted(client, lou, susan, rhonda):
    secret = start(susan, rhonda, body="Between us two.")
    secret_message = db.session.scalar(db.select(PrivateMessage).where(PrivateMessage.conversation_id == secret.id))
    mine = start(lou, susan)
    client.sign_in(lou)
    assert "Between us two." not in client.get(f"/messages/{mine.id}?quote={secret_message.id}").text


def test_mentions_link_only_members_of_the_conversation(lou, susan, rhonda):
    conversation = start(lou, susan, body="Ask @susan_t, not @rhonda.")
    message = db.session.scalar(db.select(PrivateMessage).where(PrivateMessage.conversation_id == conversation.id))
    assert 'href="/u/susan_t"' in message.body_html
    assert "/u/rhonda" not in message.body_html and "@rhonda" in message.body_html


def test_editing_keeps_the_earlier_text_and_deleting_leaves_a_placeholder(app, client, lou, susan):
    app.config["EDIT_GRACE_SECONDS"] = -1
    conversation = start(lou, susan, body="First words.")
    message = db.session.scalar(db.select(PrivateMessage).where(PrivateMessage.conversation_id == conversation.id))
    client.sign_in(lou)
    edited = client.submit(f"/messages/m/{message.id}/edit", {"body": "Better words.", "version": "1"})
    assert edited.status_code == 303
    assert "First words." in client.get(f"/messages/m/{message.id}/history").text
    deleted = client.submit(f"/messages/m/{message.id}/delete", htmx=True)
    assert "This message was deleted by its author." in deleted.text
    assert db.session.scalar(db.select(db.func.count()).select_from(MessageRevision)) == 0
    assert "Better words." not in client.get(f"/messages/{conversation.id}").text


def test_only_the_author_may_edit(client, lou, susan):
    conversation = start(lou, susan)
    message = db.session.scalar(db.select(PrivateMessage).where(PrivateMessage.conversation_id == conversation.id))
    client.sign_in(susan)
    assert client.get(f"/messages/m/{message.id}/edit").status_code == 403
    assert client.submit(f"/messages/m/{message.id}/delete").status_code == 403


# Who may write to whom


def test_an_ignored_member_is_told_only_that_they_cannot_message(client, lou, susan):
    preferences.ignore(susan, lou)
    client.sign_in(lou)
    refused = client.submit("/messages/new", {"to": "susan_t", "subject": "Hi", "body": "Hello."})
    assert refused.status_code == 422
    assert "You can&#39;t message this member." in refused.text and "ignore" not in refused.text.split("<main")[1]


def test_ignoring_stops_replies_in_a_conversation_between_two(lou, susan):
    conversation = start(lou, susan)
    preferences.ignore(susan, lou)
    with pytest.raises(WriteRefused, match="can't message"):
        service.add_message(conversation, lou, "Still there?")


def test_staff_message_a_member_who_ignores_them(lou, app):
    moderator = make_user(username="mod_mary", role="moderator")
    with write_transaction(public=False) as session:  # an ignore made before they were appointed to staff
        session.add(Ignore(user_id=lou.id, ignored_id=moderator.id))
    assert start(moderator, lou).id


def test_a_member_who_takes_messages_from_staff_only_is_not_reachable(client, lou, susan):
    client.sign_in(susan)
    assert client.submit("/settings/messages", {"messages_from": "staff"}).status_code == 303
    with pytest.raises(FieldError, match="can't message this member"):
        start(lou, susan)
    assert start(make_user(role="moderator"), susan).id


def test_a_member_who_takes_messages_from_members_refuses_new_members(lou, susan):
    service.set_messages_from(susan, "member")
    db.session.refresh(susan)
    with pytest.raises(FieldError, match="can't message this member"):
        start(lou, susan)
    set_trust(lou, 1)
    assert start(db.session.get(User, lou.id), susan).id


def test_a_suspended_member_cannot_send(client, lou, susan):
    conversation = start(susan, lou)
    moderator = make_user(role="moderator")
    sanctions.issue(moderator, lou, sanctions.SanctionRequest(kind="silence", reason="Cool off.", days=1))
    with pytest.raises(WriteRefused):
        service.add_message(conversation, lou, "Let me speak.")
    client.sign_in(susan)
    client.sign_in(lou)
    assert client.submit(f"/messages/{conversation.id}/reply", {"body": "Let me speak."}).status_code == 403


def test_a_conversation_has_at_most_the_sites_maximum(lou, susan, rhonda):
    with write_transaction() as session:
        session.add(SiteSetting(name="MESSAGE_MAX_PARTICIPANTS", value="2"))
    with pytest.raises(FieldError, match="at most 2"):
        start(lou, susan, rhonda)


def test_new_members_start_few_conversations(client, app, lou):
    app.config["NEW_MEMBER_CONVERSATION_RATE_LIMIT"] = "1 per day"
    others = [make_user() for _ in range(2)]
    client.sign_in(lou)
    assert client.submit("/messages/new", {"to": others[0].username, "subject": "a", "body": "b"}).status_code == 303
    refused = client.submit("/messages/new", {"to": others[1].username, "subject": "a", "body": "b"})
    assert refused.status_code == 429 and "1 new conversation per day for new members" in refused.text


def test_nobody_messages_themselves_or_a_deleted_account(lou):
    assert not access.may_message(lou, lou)


def test_the_participants_are_stored_once_each(lou, susan):
    conversation = start(lou, susan, susan)
    assert db.session.scalar(db.select(db.func.count()).where(
        ConversationParticipant.conversation_id == conversation.id)) == 2


# Where a conversation is started from


def test_a_profile_and_a_posts_menu_offer_a_private_message(client, lou, susan):
    from tests.factories import make_thread
    thread = make_thread(author=susan)
    client.sign_in(lou)
    assert "/messages/new?to=susan_t" in client.get("/u/susan_t").text
    assert "/messages/new?to=susan_t" in client.get(f"/t/{thread.id}-{thread.slug}").text
    assert "/messages/new?to=lou_d" not in client.get("/u/lou_d").text


def test_the_sanction_form_starts_a_conversation_from_the_moderators_listed_on_the_standing_page(client, lou):
    moderator = make_user(role="moderator")
    client.sign_in(moderator)
    assert "/messages/new?to=lou_d&amp;moderators=1" in client.get("/mod/members/lou_d/sanction").text
    form = client.get("/messages/new?to=lou_d&moderators=1").text
    assert re.search(r'<input checked[^>]*name="from_moderators"', form)
    sent = client.submit("/messages/new", {"to": "lou_d", "subject": "About your posts", "body": "A quiet word.",
                                           "from_moderators": "y"})
    assert sent.status_code == 303
    client.sign_in(make_user(role="moderator"))
    assert "About your posts" in client.get("/u/lou_d/standing").text
    client.sign_in(lou)
    assert "About your posts" not in client.get("/u/lou_d/standing").text
    assert "From the moderators" in client.get("/messages").text


def test_a_member_cannot_send_as_the_moderators_through_the_form(client, lou, susan):
    client.sign_in(lou)
    refused = client.submit("/messages/new", {"to": "susan_t", "subject": "Hi", "body": "Hello.",
                                              "from_moderators": "y"})
    assert refused.status_code == 403


# Hearing of new messages


def test_the_headers_count_includes_conversations_with_new_messages(client, lou, susan):
    client.sign_in(lou)
    before = client.fragment("/notifications/count")
    conversation = start(susan, lou)
    service.add_message(conversation, susan, "Two messages, one conversation.")
    after = client.get("/notifications/count", headers={**HTMX, "HX-PTag": before.headers["HX-PTag"]})
    assert after.status_code == 200 and '1<span class="visually-hidden"> unread</span>' in after.text
    assert "1 private conversation with new messages" in client.get("/notifications").text
    client.get(f"/messages/{conversation.id}")
    assert "unread" not in client.fragment("/notifications/count").text


def test_a_reader_is_told_politely_of_new_messages(client, lou, susan):
    conversation = start(susan, lou)
    client.sign_in(lou)
    page = client.get(f"/messages/{conversation.id}").text
    assert 'id="new-messages" class="new-replies" aria-live="polite"' in page
    tag = str(conversation.last_message_id)
    assert client.get(f"/messages/{conversation.id}/new-messages?after={tag}",
                      headers={**HTMX, "HX-PTag": tag}).status_code == 304
    newer = service.add_message(conversation, susan, "Are you there?")
    told = client.get(f"/messages/{conversation.id}/new-messages?after={tag}", headers={**HTMX, "HX-PTag": tag})
    assert "1 new message — show" in told.text and told.headers["HX-PTag"] == str(newer.id)
    shown = client.fragment(f"/messages/{conversation.id}/newer?after={tag}")
    assert "Are you there?" in shown.text and 'hx-target="#messages"' in shown.text


def test_ones_own_message_is_not_announced_as_new(client, lou, susan):
    conversation = start(susan, lou)
    tag = str(conversation.last_message_id)
    service.add_message(conversation, lou, "My own words.")
    client.sign_in(lou)
    told = client.get(f"/messages/{conversation.id}/new-messages?after={tag}", headers={**HTMX, "HX-PTag": tag})
    assert "new message" not in told.text


# Fragments


def test_the_edit_and_flag_forms_come_as_fragments_and_as_pages(client, lou, susan):
    conversation = start(lou, susan, body="Flag or edit me.")
    message = db.session.scalar(db.select(PrivateMessage).where(PrivateMessage.conversation_id == conversation.id))
    client.sign_in(lou)
    edit = client.fragment(f"/messages/m/{message.id}/edit")
    assert edit.status_code == 200 and f'id="m{message.id}"' in edit.text and "<html" not in edit.text
    assert "<html" in client.get(f"/messages/m/{message.id}/edit").text
    saved = client.submit(f"/messages/m/{message.id}/edit", {"body": "Edited.", "version": "1"}, htmx=True)
    assert saved.status_code == 200 and "Edited." in saved.text and f'id="m{message.id}"' in saved.text
    client.sign_in(susan)
    form = client.fragment(f"/messages/m/{message.id}/flag")
    assert form.status_code == 200 and f'id="flag-m{message.id}"' in form.text and "<html" not in form.text
    done = client.submit(f"/messages/m/{message.id}/flag", {"reason": "unkind"}, htmx=True)
    assert done.status_code == 200 and "Flagged for the moderators." in done.text
    again = client.submit(f"/messages/m/{message.id}/flag", {"reason": "unkind"}, htmx=True)
    assert again.status_code == 422 and "You have flagged this message already." in again.text


def test_the_settings_form_answers_a_fragment(client, lou):
    client.sign_in(lou)
    saved = client.submit("/settings/messages", {"messages_from": "regular"}, htmx=True)
    assert saved.status_code == 200 and 'id="messages-settings"' in saved.text
    assert db.session.get(User, lou.id).messages_from == "regular"
    refused = client.submit("/settings/messages", {"messages_from": "robots"}, htmx=True)
    assert refused.status_code == 422


def test_a_refused_reply_says_why_beside_the_field_and_keeps_the_text(client, lou, susan):
    conversation = start(lou, susan)
    preferences.ignore(susan, lou)
    client.sign_in(lou)
    for htmx in (False, True):
        refused = client.submit(f"/messages/{conversation.id}/reply", {"body": "My kept words."}, htmx=htmx)
        assert refused.status_code == 403
        assert "You can&#39;t message this member." in refused.text and "My kept words." in refused.text


def test_adding_someone_who_cannot_be_messaged_is_refused_beside_the_field(client, lou, susan, rhonda):
    conversation = start(lou, susan)
    preferences.ignore(rhonda, lou)
    client.sign_in(lou)
    refused = client.submit(f"/messages/{conversation.id}/members", {"username": "rhonda"})
    assert refused.status_code == 422 and 'id="username-error"' in refused.text
