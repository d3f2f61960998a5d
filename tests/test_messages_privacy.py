"""Private conversations stay private: only their members read them (anyone else gets the 404 of a
conversation that does not exist), staff read a message only once it is flagged (and the few before
it, logged), and no message reaches search, feeds, profiles, the guest page cache, notifications of
others, mail to others or another member's export."""

import pytest

from forum.extensions import db
from forum.messages import service
from forum.messages.service import moderation
from forum.models import ModAction, PrivateConversation, PrivateMessage, User
from forum.moderation.service import sanctions
from tests.conftest import HTMX
from tests.factories import make_thread, make_user

SECRET = "The combination is fourteen-twenty-two"


@pytest.fixture
def outsider(app):
    return make_user(username="outsider", display_name="Out Sider")


@pytest.fixture
def moderator(app):
    return make_user(username="mod_mary", display_name="Mary Mod", role="moderator")


@pytest.fixture
def secret(lou, susan):
    """A conversation between Lou and Susan with a secret in it; returns (conversation, its message)."""
    conversation = service.start_conversation(lou, [susan], "Private matters", SECRET)
    message = db.session.scalar(db.select(PrivateMessage).where(PrivateMessage.conversation_id == conversation.id))
    return conversation, message


def every_url(conversation, message):
    return [f"/messages/{conversation.id}", f"/messages/m/{message.id}", f"/messages/m/{message.id}/history",
            f"/messages/m/{message.id}/flag", f"/messages/{conversation.id}/new-messages",
            f"/messages/{conversation.id}/newer?after=0", f"/messages/{conversation.id}?quote={message.id}"]


def test_someone_outside_gets_the_same_404_as_for_nothing_at_all(client, secret, outsider):
    conversation, message = secret
    client.sign_in(outsider)
    for url in every_url(conversation, message):
        for headers in ({}, HTMX):
            answer = client.get(url, headers=headers)
            assert answer.status_code == 404, url
            assert SECRET not in answer.text and "Private matters" not in answer.text
    assert client.get("/messages/999999").text.split("<main")[1] == \
        client.get(f"/messages/{conversation.id}").text.split("<main")[1]


def test_someone_outside_cannot_write_edit_delete_flag_add_or_leave(client, secret, outsider):
    conversation, message = secret
    client.sign_in(outsider)
    for url, data in ((f"/messages/{conversation.id}/reply", {"body": "Let me in."}),
                      (f"/messages/{conversation.id}/members", {"username": "outsider"}),
                      (f"/messages/{conversation.id}/leave", {}),
                      (f"/messages/m/{message.id}/edit", {"body": "Mine now.", "version": "1"}),
                      (f"/messages/m/{message.id}/delete", {}),
                      (f"/messages/m/{message.id}/flag", {"reason": "spam"})):
        for htmx in (False, True):
            assert client.submit(url, data, htmx=htmx).status_code == 404, url
    assert db.session.scalar(db.select(db.func.count()).select_from(PrivateMessage)) == 1
    assert db.session.get(PrivateMessage, message.id).body == SECRET


def test_guests_are_sent_to_sign_in(client, secret):
    conversation, message = secret
    for url in ["/messages", *every_url(conversation, message)]:
        assert client.get(url).status_code == 302
        assert client.get(url, headers=HTMX).status_code == 401


def test_staff_cannot_browse_private_conversations(client, secret, moderator):
    conversation, message = secret
    admin = make_user(role="admin")
    for member in (moderator, admin):
        client.sign_in(member)
        for url in [*every_url(conversation, message), f"/mod/messages/{message.id}"]:
            answer = client.get(url)
            assert answer.status_code == 404 and SECRET not in answer.text, url
        assert SECRET not in client.get("/mod/messages").text


def test_a_flagged_message_and_the_few_before_it_are_readable_by_staff_and_logged(client, lou, susan, moderator):
    conversation = service.start_conversation(lou, [susan], "Trouble", "Message zero")
    for n in range(1, 8):
        service.add_message(conversation, lou if n % 2 else susan, f"Message {n}")
    flagged = db.session.scalar(db.select(PrivateMessage).where(PrivateMessage.body == "Message 7"))
    later = service.add_message(conversation, susan, "Message after")
    client.sign_in(susan)
    assert client.submit(f"/messages/m/{flagged.id}/flag", {"reason": "unkind"}).status_code == 303
    client.sign_in(moderator)
    assert f"/mod/messages/{flagged.id}" in client.get("/mod/messages").text
    page = client.get(f"/mod/messages/{flagged.id}").text
    assert "Message 7" in page and "Message 2" in page
    assert "Message 1" not in page and "Message after" not in page and "Message zero" not in page
    assert client.get(f"/messages/{conversation.id}").status_code == 404  # still not the conversation
    assert client.get(f"/mod/messages/{later.id}").status_code == 404
    logged = db.session.scalars(db.select(ModAction).where(ModAction.action == "read_flagged_message")).all()
    assert [(entry.actor_id, entry.target_id) for entry in logged] == [(moderator.id, flagged.id)]
    assert "Message 7" not in client.get("/modlog").text


def test_the_staff_headers_review_count_includes_flagged_messages(client, secret, susan, moderator, queries):
    conversation, message = secret
    conversation_id, message_id = conversation.id, message.id
    client.sign_in(moderator)
    assert '<a href="/mod" id="review-queue">Review</a>' in client.get("/").text
    db.session.expunge_all()
    queries.clear()
    client.get("/")
    before = len(queries)
    conversation, message = db.session.get(PrivateConversation, conversation_id), db.session.get(PrivateMessage, message_id)
    moderation.flag_message(message, db.session.merge(susan), "unkind")
    later = service.add_message(conversation, service.member_named("lou_d"), "And another.")
    moderation.flag_message(later, db.session.merge(susan), "spam")
    db.session.expunge_all()
    queries.clear()
    page = client.get("/").text
    assert len(queries) == before  # the same one query counts flags, held posts and flagged messages
    assert ('<a href="/mod" id="review-queue">Review <span class="count">2'
            '<span class="visually-hidden"> flagged messages</span></span></a>') in page
    assert 'id="flagged-messages-link">Flagged private messages (2)</a>' in client.get("/mod").text
    moderation.resolve(db.session.get(PrivateMessage, message_id), db.session.merge(moderator))
    assert '<span class="visually-hidden"> flagged message</span>' in client.get("/").text


def test_members_cannot_read_flagged_messages(client, secret, susan, outsider):
    conversation, message = secret
    moderation.flag_message(message, susan, "unkind")
    client.sign_in(outsider)
    assert client.get(f"/mod/messages/{message.id}").status_code == 403
    assert client.get("/mod/messages").status_code == 403


def test_only_members_of_the_conversation_flag_and_not_their_own(secret, lou, susan, outsider):
    _, message = secret
    with pytest.raises(Exception, match="own message"):
        moderation.flag_message(message, lou, "spam")
    with pytest.raises(Exception, match="Only the members"):
        moderation.flag_message(message, outsider, "spam")


def test_a_conversation_from_the_moderators_is_read_by_every_member_of_staff(client, lou, moderator):
    conversation = service.start_conversation(moderator, [lou], "About your posts", "A quiet word first.",
                                              from_moderators=True)
    other_moderator = make_user(role="moderator")
    client.sign_in(other_moderator)
    page = client.get(f"/messages/{conversation.id}")
    assert page.status_code == 200 and "A quiet word first." in page.text and "From the moderators" in page.text
    assert client.submit(f"/messages/{conversation.id}/reply", {"body": "Seconded."}).status_code == 303
    client.sign_in(lou)
    assert "Seconded." in client.get(f"/messages/{conversation.id}").text
    client.sign_in(make_user())
    assert client.get(f"/messages/{conversation.id}").status_code == 404


def test_only_staff_write_as_the_moderators(lou, susan):
    with pytest.raises(Exception, match="Only the forum's staff"):
        service.start_conversation(lou, [susan], "Fake", "I am a moderator.", from_moderators=True)


def test_messages_reach_no_search_feed_profile_or_guest_page(client, secret, lou):
    thread = make_thread(author=lou)
    client.sign_in(lou)
    for url in ("/search?q=combination", f"/u/{lou.username}", "/", f"/feeds/threads/{thread.id}.atom",
                "/sitemap.xml"):
        assert SECRET not in client.get(url).text, url
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    for url in ("/", "/search?q=combination", f"/u/{lou.username}"):
        assert SECRET not in client.get(url).text


def test_quoting_a_private_message_into_a_public_thread_shows_nothing_of_it(client, secret, outsider):
    from forum.posts import service as posts
    conversation, message = secret
    thread = make_thread(author=outsider)
    post = posts.add_reply(thread, outsider, f"[Lou](/messages/m/{message.id}) wrote:\n> guess what it said")
    assert SECRET not in post.body_html
    client.sign_in(outsider)
    assert client.get(f"/p/{message.id}/quote").status_code in (404, 302) or \
        SECRET not in client.get(f"/p/{message.id}/quote").text


def test_mentioning_someone_outside_the_conversation_tells_them_nothing(lou, susan, outsider):
    conversation = service.start_conversation(lou, [susan], "Plans", "Don't tell @outsider about this.")
    message = db.session.scalar(db.select(PrivateMessage).where(PrivateMessage.conversation_id == conversation.id))
    assert "/u/outsider" not in message.body_html
    from forum.notifications import service as notifications
    assert notifications.unread_summary(db.session.get(User, outsider.id))[0] == 0
    assert notifications.recent(outsider) == []


def test_another_members_export_holds_none_of_it(secret, outsider, lou, susan):
    from forum.account import service as account
    assert SECRET not in str(account.export(outsider))


def test_a_ban_that_removes_posts_leaves_messages_marked_as_from_a_banned_member(client, secret, lou, susan,
                                                                                 moderator):
    conversation, message = secret
    ban = sanctions.issue(moderator, lou, sanctions.SanctionRequest(kind="ban", reason="Spam.", remove_posts=True))
    client.sign_in(susan)
    page = client.get(f"/messages/{conversation.id}").text
    assert SECRET in page and "from a banned member" in page
    sanctions.lift(make_user(role="admin"), ban, "A mistake.")
    assert "from a banned member" not in client.get(f"/messages/{conversation.id}").text


def test_a_deleted_account_leaves_placeholders_in_its_conversations(client, secret, lou, susan):
    from forum.account import service as account
    from tests.factories import PASSWORD
    conversation, message = secret
    account.delete_account(lou, PASSWORD, keep_posts=True)
    client.sign_in(susan)
    page = client.get(f"/messages/{conversation.id}").text
    assert SECRET not in page and "This message was deleted by its author." in page
    assert db.session.get(PrivateMessage, message.id).body == ""


def test_the_export_holds_the_members_own_conversations(secret, lou, susan):
    from forum.account import service as account
    service.add_message(secret[0], susan, "A received message.")
    data = account.export(lou)
    conversation = data["conversations"][0]
    assert conversation["subject"] == "Private matters"
    assert [m["body"] for m in conversation["messages"]] == [SECRET, "A received message."]




def test_the_privacy_text_says_staff_cannot_browse_conversations(client, lou):
    client.sign_in(lou)
    page = client.get("/settings/data").text
    assert "cannot browse private conversations" in page and "flags it" in page
