"""Where focus goes after a swap: the fragment that answers names it with autofocus (htmx focuses the
first [autofocus] it swaps in), and a page loaded whole never carries one. The browser journeys that
press the keys are in tests/browser/test_focus.py."""

import re

import pytest

from forum.extensions import db
from forum.models import Post
from tests.factories import make_reply, make_thread, make_user

AUTOFOCUS = re.compile(r"<[^>]*\sautofocus(?=[\s>=])[^>]*>")


def focused(html: str) -> list[str]:
    """The tags that carry autofocus, in document order."""
    return AUTOFOCUS.findall(html)


@pytest.fixture
def author(client):
    user = make_user(username="ada", display_name="Ada Lovelace")
    client.sign_in(user)
    return user


@pytest.fixture
def thread(author):
    thread = make_thread(author=author, title="Where to plant the beans", body="Beans or peas?")
    make_reply(thread, author=make_user(), body="Peas.")
    return thread


@pytest.fixture
def reply(thread, author):
    return make_reply(thread, author=author, body="Beans, then.")


def test_a_page_loaded_whole_carries_no_autofocus(client, thread, reply):
    assert focused(client.get(f"/t/{thread.id}-{thread.slug}").text) == []
    assert focused(client.get(f"/p/{reply.id}/edit").text) == []


def test_a_refused_whole_page_form_focuses_its_first_invalid_field(client, thread, reply):
    """Deliberately not "never" any more: without JavaScript a refused reply is the whole thread page,
    its message and kept text at the bottom of it (4800 px down on a phone); autofocus takes the
    member there. Only on such an answer (a POST refused with field errors), only the first field."""
    refused = client.submit(f"/p/{reply.id}/edit", {"body": "", "version": str(reply.version)})
    assert refused.status_code == 422
    [tag] = focused(refused.text)
    assert tag.startswith("<textarea") and f'id="edit-body-{reply.id}"' in tag and 'aria-invalid="true"' in tag
    refused = client.submit(f"/t/{thread.id}/reply", {"body": ""})
    assert refused.status_code == 422
    [tag] = focused(refused.text)
    assert tag.startswith("<textarea") and 'id="reply-body"' in tag


def test_the_edit_fragment_focuses_its_text_box(client, reply):
    tags = focused(client.fragment(f"/p/{reply.id}/edit").text)
    assert len(tags) == 1 and tags[0].startswith("<textarea") and f'id="edit-body-{reply.id}"' in tags[0]


def test_a_refused_edit_focuses_the_box_its_message_describes(client, reply):
    response = client.submit(f"/p/{reply.id}/edit", {"body": "", "version": str(reply.version)}, htmx=True)
    assert response.status_code == 422
    [tag] = focused(response.text)
    assert f'id="edit-body-{reply.id}"' in tag and 'aria-invalid="true"' in tag
    assert f'aria-describedby="edit-body-{reply.id}-error"' in tag


@pytest.mark.parametrize("answer", ["save", "cancel"])
def test_save_and_cancel_focus_the_post(client, reply, answer):
    if answer == "save":
        response = client.submit(f"/p/{reply.id}/edit", {"body": "Runner beans.", "version": str(reply.version)},
                                 htmx=True)
    else:
        response = client.fragment(f"/p/{reply.id}")
    assert response.status_code == 200
    [tag] = focused(response.text)
    assert tag.startswith(f'<article class="post" id="p{reply.id}"') and 'tabindex="-1"' in tag


def test_delete_focuses_the_placeholder(client, reply):
    response = client.submit(f"/p/{reply.id}/delete", htmx=True)
    [tag] = focused(response.text)
    assert tag == '<p class="placeholder" tabindex="-1" autofocus>'


def test_a_posted_reply_focuses_the_new_post_only(client, thread):
    answered = db.session.scalar(db.select(Post).where(Post.thread_id == thread.id).order_by(Post.id.desc()))
    response = client.submit(f"/t/{thread.id}/reply", {"body": "Both, in rows.", "parent_id": str(answered.id)},
                             htmx=True)
    assert response.status_code == 201
    new = db.session.scalar(db.select(Post).order_by(Post.id.desc()))
    [tag] = focused(response.text)  # not the fresh composer, not the answered post shown again
    assert tag.startswith(f'<article class="post" id="p{new.id}"')
    assert f'id="p{answered.id}"' in response.text


def test_a_refused_reply_focuses_the_composer(client, thread):
    response = client.submit(f"/t/{thread.id}/reply", {"body": ""}, htmx=True)
    assert response.status_code == 422
    [tag] = focused(response.text)
    assert 'id="reply-body"' in tag and 'aria-describedby="reply-body-error"' in tag


def test_the_flag_form_focuses_its_first_choice_and_a_refusal_focuses_it_again(client, thread):
    other = db.session.scalar(db.select(Post).where(Post.thread_id == thread.id).order_by(Post.id.desc()))
    [tag] = focused(client.fragment(f"/p/{other.id}/flag").text)
    assert tag.startswith('<input') and 'type="radio"' in tag and 'value="spam"' in tag
    assert focused(client.get(f"/p/{other.id}/flag").text) == []  # the flag page: no jump past the post

    refused = client.submit(f"/p/{other.id}/flag", {"note": ""}, htmx=True)
    assert refused.status_code == 422
    [tag] = focused(refused.text)
    assert 'type="radio"' in tag
    assert f'aria-describedby="flag-reason-{other.id}-error"' in refused.text

    chosen = client.submit(f"/p/{other.id}/flag", {"reason": "other", "note": ""}, htmx=True)
    assert chosen.status_code == 422  # "Something else" needs a note: the chosen reason keeps the focus
    [tag] = focused(chosen.text)
    assert 'value="other"' in tag and "checked" in tag

    sent = client.submit(f"/p/{other.id}/flag", {"reason": "spam"}, htmx=True)
    [tag] = focused(sent.text)
    assert tag.startswith(f'<p id="flag-{other.id}" class="flag-box flag-done"')


def test_show_new_replies_focuses_the_first_new_post(client, thread, reply):
    first = make_reply(thread, author=make_user(), body="Marigolds too.")
    make_reply(thread, author=make_user(), body="And nasturtiums.")
    response = client.fragment(f"/t/{thread.id}/new-replies/posts?after={reply.id}")
    [tag] = focused(response.text)
    assert tag.startswith(f'<article class="post" id="p{first.id}"')


def test_a_moderators_hide_and_restore_focus_the_post_or_its_queue_entry(client, thread, reply):
    client.sign_in(make_user(username="moe", role="moderator"))
    refused = client.submit(f"/mod/posts/{reply.id}/hide", {"reason": ""}, htmx=True)
    assert refused.status_code == 422
    # The answer carries the queue entry and the post (each page has one): the reason field of each.
    assert [re.search(r'id="([^"]+)"', tag).group(1) for tag in focused(refused.text)] == [
        f"hide-queue-{reply.id}-reason", f"hide-post-{reply.id}-reason"]

    hidden = client.submit(f"/mod/posts/{reply.id}/hide", {"reason": "Off topic."}, htmx=True)
    assert [tag.split(">")[0] for tag in focused(hidden.text)] == [
        f'<article class="queue-item" id="queue-item-{reply.id}" aria-labelledby="queue-item-{reply.id}-title"'
        ' tabindex="-1" autofocus', '<p class="placeholder" tabindex="-1" autofocus']

    restored = client.submit(f"/mod/posts/{reply.id}/restore", htmx=True)
    assert [re.search(r'id="([^"]+)"', tag).group(1) for tag in focused(restored.text)] == [
        f"queue-item-{reply.id}", f"p{reply.id}"]
    assert focused(client.get("/mod").text) == []
