"""Reactions: Like and the site's other reactions, one per member and post (another replaces it, the same
again takes it back), counted, with who reacted on demand, as a page and as a fragment; one grouped
notification to the author; the REACTIONS site setting."""

import re

import pytest

from forum.extensions import db
from forum.members.service import preferences
from forum.models import Notification, Post, PostReaction
from forum.moderation.service import sanctions
from forum.moderation.service.sanctions import SanctionRequest
from forum.posts.service import delete_post, reactions
from forum.refusals import FieldError
from forum.settings import BY_NAME, reactions_in
from tests.factories import make_reply, make_thread, make_user
from tests.test_site_settings import save_directly


@pytest.fixture
def post(app):
    return make_reply(make_thread(), author=make_user(display_name="Rhonda Bird", name_style="short"),
                      body="likeable")


def count_of(post):
    return db.session.get(Post, post.id).reaction_count


def kinds_on(post):
    return sorted(db.session.scalars(db.select(PostReaction.kind).where(PostReaction.post_id == post.id)))


def bar(text, post):
    """The post's reaction bar in a page or a fragment."""
    start = text.index(f'<div class="reactions" id="reactions-{post.id}">')
    end = text.find('<div class="quiet-actions">', start)
    return text[start:end if end >= 0 else None]


def tally(text):
    """The counts shown, as (name, count)."""
    return re.findall(r'<span class="visually-hidden">([^<]+) </span>(\d+)</span>', text)


# --- Giving, changing and taking back ----------------------------------------------------------

def test_like_as_fragment_toggles_and_counts(client, post):
    client.sign_in(make_user())
    liked = client.submit(f"/p/{post.id}/react", {"reaction": "like"}, htmx=True)
    assert liked.status_code == 200
    assert liked.text.lstrip().startswith(f'<div class="reactions" id="reactions-{post.id}">')
    assert "HX-Request-Type" in liked.headers["Vary"] and '<div id="flash"' in liked.text
    assert re.search(rf'id="like-button-{post.id}"\s+aria-pressed="true">', liked.text)
    assert tally(liked.text) == [("Like", "1")]
    unliked = client.submit(f"/p/{post.id}/react", {"reaction": "like"}, htmx=True)
    assert re.search(rf'id="like-button-{post.id}"\s+aria-pressed="false">', unliked.text)
    assert tally(unliked.text) == [] and "reaction-tally" not in unliked.text
    assert count_of(post) == 0 and kinds_on(post) == []


def test_reacting_without_javascript_goes_back_to_the_post(client, post):
    client.sign_in(make_user())
    response = client.submit(f"/p/{post.id}/react", {"reaction": "😂"})
    assert response.status_code == 303 and response.location.endswith(f"#p{post.id}")
    page = client.get(response.location.split("#")[0]).text
    assert tally(bar(page, post)) == [("Funny", "1")]
    # The picker's summary says what the member chose, and the choice is pressed inside it.
    assert '<span class="visually-hidden">Your reaction: </span><span class="reaction-emoji" aria-hidden="true">😂</span>Funny' in page
    assert re.search(r'value="😂" class="reaction-choice"[^>]*\s+aria-pressed="true"', page)


def test_another_reaction_replaces_the_members_and_the_same_again_takes_it_back(client, post):
    client.sign_in(make_user())
    client.submit(f"/p/{post.id}/react", {"reaction": "like"})
    changed = client.submit(f"/p/{post.id}/react", {"reaction": "🎉"}, htmx=True)
    assert kinds_on(post) == ["🎉"] and count_of(post) == 1
    assert tally(changed.text) == [("Hooray", "1")]
    assert re.search(rf'id="like-button-{post.id}"\s+aria-pressed="false">', changed.text)
    # The pressed reaction was in the picker: it stays open, so the focus stays on the pressed button.
    assert '<details class="reaction-picker" open>' in changed.text
    taken_back = client.submit(f"/p/{post.id}/react", {"reaction": "🎉"}, htmx=True)
    assert kinds_on(post) == [] and count_of(post) == 0 and "reaction-tally" not in taken_back.text


def test_like_pressed_leaves_the_picker_closed(client, post):
    client.sign_in(make_user())
    liked = client.submit(f"/p/{post.id}/react", {"reaction": "like"}, htmx=True)
    assert '<details class="reaction-picker">' in liked.text


def test_reactions_of_several_members_are_counted_by_kind_like_first_then_in_the_sites_order(app, client, post):
    for kind in ("🎉", "like", "👍", "🎉", "like", "like"):
        reactions.react(make_user(), post, kind)
    assert count_of(post) == 6
    shown = bar(client.get(f"/t/{post.thread.id}-{post.thread.slug}").text, post)
    assert tally(shown) == [("Like", "3"), ("Thumbs up", "1"), ("Hooray", "2")]
    assert 'aria-hidden="true">🎉</span>' in shown


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_own_posts_cannot_be_reacted_to(client, post, htmx):
    client.sign_in(post.author)
    for kind in ("like", "😂"):
        assert client.submit(f"/p/{post.id}/react", {"reaction": kind}, htmx=htmx).status_code == 403
    assert count_of(post) == 0
    page = client.get(f"/t/{post.thread.id}-{post.thread.slug}").text
    assert "reaction-form" not in bar(page, post)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_silenced_member_cannot_react(client, post, htmx):
    member = make_user()
    sanctions.issue(make_user(role="admin"), member, SanctionRequest(kind="silence", reason="cool off", days=1))
    client.sign_in(member)
    assert client.submit(f"/p/{post.id}/react", {"reaction": "😂"}, htmx=htmx).status_code == 403
    assert count_of(post) == 0
    assert "reaction-form" not in client.get(f"/t/{post.thread.id}-{post.thread.slug}").text


def test_guests_are_sent_to_sign_in_and_see_the_counts_only(client, post):
    assert client.submit(f"/p/{post.id}/react", {"reaction": "like"}).status_code == 302
    assert client.submit(f"/p/{post.id}/react", {"reaction": "like"}, htmx=True).status_code == 401
    assert count_of(post) == 0
    reactions.react(make_user(), post, "😮")
    page = client.get(f"/t/{post.thread.id}-{post.thread.slug}").text
    assert tally(bar(page, post)) == [("Surprised", "1")] and "reaction-form" not in page


@pytest.mark.parametrize("kind", ["", "💩", "like ", "<b>", "😂" * 2])
def test_a_reaction_the_site_does_not_offer_is_refused_with_a_reason(client, post, kind):
    client.sign_in(make_user())
    response = client.submit(f"/p/{post.id}/react", {"reaction": kind}, htmx=True)
    assert response.status_code == 400 and "There is no such reaction" in response.text
    assert count_of(post) == 0


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_removed_post_takes_no_reactions(client, post, htmx):
    delete_post(post, post.author)
    client.sign_in(make_user())
    assert client.submit(f"/p/{post.id}/react", {"reaction": "like"}, htmx=htmx).status_code == 403
    assert client.get(f"/p/{post.id}/reactions").status_code == 404


def test_a_reaction_the_site_stops_offering_stays_counted_and_can_be_taken_back_not_given(app, client, post):
    member = make_user()
    reactions.react(member, post, "😢")
    save_directly("REACTIONS", "👍 Thumbs up, 🙏 Thanks")
    app.extensions["settings"].forget()
    client.sign_in(member)
    page = client.get(f"/t/{post.thread.id}-{post.thread.slug}").text
    assert tally(bar(page, post)) == [("😢", "1")]  # named by its emoji, since the site no longer names it
    assert 'value="🙏"' in page and 'value="😢"' not in page
    other = app.test_client()
    other.sign_in(make_user())
    assert other.submit(f"/p/{post.id}/react", {"reaction": "😢"}).status_code == 400
    assert client.submit(f"/p/{post.id}/react", {"reaction": "😢"}).status_code == 303
    assert count_of(post) == 0


def test_with_no_other_reactions_only_like_is_offered(app, client, post):
    save_directly("REACTIONS", "")
    app.extensions["settings"].forget()
    client.sign_in(make_user())
    page = client.get(f"/t/{post.thread.id}-{post.thread.slug}").text
    assert ">Like</button>" in bar(page, post) and "reaction-picker" not in page


# --- Who reacted -------------------------------------------------------------------------------

def test_who_reacted_is_a_page_without_javascript_and_a_fragment_with_names_per_the_name_policy(client, post):
    fans = [make_user(display_name="Lou Dobbs", name_style="short"), make_user(display_name="Susan Tran")]
    reactions.react(fans[0], post, "like")
    reactions.react(fans[1], post, "😂")
    page = client.get(f"/t/{post.thread.id}-{post.thread.slug}").text
    assert f'<a href="/p/{post.id}/reactions">See who reacted</a>' in bar(page, post)
    assert f'data-hx-get="/p/{post.id}/reactions" data-hx-trigger="toggle once"' in page

    whole = client.get(f"/p/{post.id}/reactions")
    assert whole.status_code == 200 and "<h1>Reactions</h1>" in whole.text and "<html" in whole.text
    assert "<bdi>Lou D.</bdi>" in whole.text and "Lou Dobbs" not in whole.text  # guests see the short name
    assert "<strong>Funny</strong> (1):" in whole.text and "<bdi>Susan Tran</bdi>" in whole.text  # her choice
    assert whole.text.index("<strong>Like</strong>") < whole.text.index("<strong>Funny</strong>")
    alone = client.fragment(f"/p/{post.id}/reactions")
    assert alone.status_code == 200 and "<html" not in alone.text and "<h1>" not in alone.text
    assert alone.text.lstrip().startswith('<ul class="reactor-list">') and "HX-Request-Type" in alone.headers["Vary"]
    client.sign_in(fans[0])
    assert "<bdi>Lou Dobbs</bdi>" in client.fragment(f"/p/{post.id}/reactions").text  # their own full name


def test_two_reactors_shown_under_one_name_are_told_apart(client, post):
    for username in ("susan_t", "susan_tr"):
        reactions.react(make_user(username=username, display_name="Susan Tran", name_style="short"), post, "like")
    listed = client.fragment(f"/p/{post.id}/reactions").text
    assert "Susan T. (@susan_t)" in listed and "Susan T. (@susan_tr)" in listed


def test_who_reacted_lists_a_few_dozen_names_and_counts_the_rest(client, post, monkeypatch):
    monkeypatch.setattr(reactions, "NAMES_SHOWN", 2)
    for _ in range(3):
        reactions.react(make_user(), post, "like")
    listed = client.fragment(f"/p/{post.id}/reactions").text
    assert listed.count("<bdi>") == 2 and "and 1 more" in listed and "(3):" in listed


def test_who_reacted_to_a_post_with_none_says_so(client, post):
    assert "No reactions yet." in client.fragment(f"/p/{post.id}/reactions").text


# --- The author hears of them once -------------------------------------------------------------

def reaction_notices(member):
    return db.session.scalars(db.select(Notification).where(Notification.user_id == member.id,
                                                            Notification.kind == "reaction")).all()


def test_reactions_reach_the_author_as_one_notification_naming_the_newest_reactor(client, post):
    ana = make_user(display_name="Ana Lima", name_style="short")
    for member in (make_user(), make_user(), make_user(), ana):
        reactions.react(member, post, "like")
    notices = reaction_notices(post.author)
    assert len(notices) == 1 and notices[0].actor_id == ana.id and notices[0].read_at is None
    assert notices[0].emailed_at is not None  # reactions are not mailed
    client.sign_in(post.author)
    page = client.get("/notifications").text
    assert re.search(r"<bdi>Ana L\.</bdi> and 3 others\s+reacted to your post in “A thread to talk in”", page)
    assert page.count('<li class="notification') == 1


def test_a_new_reaction_after_reading_makes_the_notification_unread_again(client, post):
    reactions.react(make_user(display_name="Lou Dobbs", name_style="short"), post, "like")
    client.sign_in(post.author)
    client.submit("/notifications/read")
    assert reaction_notices(post.author)[0].read_at is not None
    reactions.react(make_user(display_name="Susan Tran", name_style="short"), post, "😂")
    notices = reaction_notices(post.author)
    assert len(notices) == 1 and notices[0].read_at is None
    assert re.search(r"<bdi>Susan T\.</bdi> and 1 other\s+reacted", client.get("/notifications").text)


def test_a_changed_reaction_makes_no_new_notification(post):
    member = make_user()
    reactions.react(member, post, "like")
    first = reaction_notices(post.author)[0].id
    reactions.react(member, post, "😮")
    assert [notice.id for notice in reaction_notices(post.author)] == [first]


def test_taking_a_reaction_back_names_the_one_before_or_removes_the_notification(post):
    earlier, later = make_user(), make_user()
    reactions.react(earlier, post, "like")
    reactions.react(later, post, "🎉")
    reactions.react(later, post, "🎉")  # taken back
    assert [notice.actor_id for notice in reaction_notices(post.author)] == [earlier.id]
    reactions.react(earlier, post, "like")
    assert reaction_notices(post.author) == []


def test_no_notification_when_the_author_muted_the_thread_or_ignores_the_reactor(post):
    ignored = make_user()
    preferences.ignore(post.author, ignored)
    reactions.react(ignored, post, "like")
    assert reaction_notices(post.author) == []
    preferences.set_watch_level(post.author, post.thread, "muted")
    reactions.react(make_user(), post, "like")
    assert reaction_notices(post.author) == []


# --- The REACTIONS setting ---------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("👍 Thumbs up, 😂 Funny", "👍 Thumbs up, 😂 Funny"),
    ("  🎉   Hooray  ,🙏 Thanks ", "🎉 Hooray, 🙏 Thanks"),
    ("👍🏽 Agree, ❤️ Love, 🏳️‍🌈 Pride, 👨‍👩‍👧 Family", "👍🏽 Agree, ❤️ Love, 🏳️‍🌈 Pride, 👨‍👩‍👧 Family"),
    ("", ""),
])
def test_the_reactions_setting_is_cleaned(value, expected):
    assert BY_NAME["REACTIONS"].clean(value) == expected


@pytest.mark.parametrize("value, message", [
    ("Funny", "an emoji and its name"),
    ("😂", "an emoji and its name"),
    ("😂 Funny,", "an emoji and its name"),
    ("A Funny", "an emoji and its name"),
    ("😂\u202e Funny", "an emoji and its name"),
    ("😂 <b>Funny</b>", "in words of at most 20 letters"),
    ("😂 " + "Very" * 6, "in words of at most 20 letters"),
    ("😂 Funny, 😂 Silly", "listed twice"),
    ("😂 Funny, 🤣 funny", "listed twice"),
    ("💖 Like", "listed twice"),
    (", ".join(f"{emoji} Name" + "abcdefghi"[n] for n, emoji in enumerate("😀😁😂🤣😃😄😅😆😉")), "at most 8"),
])
def test_bad_reaction_lists_are_refused_with_a_reason(value, message):
    with pytest.raises(FieldError) as refused:
        BY_NAME["REACTIONS"].clean(value)
    assert refused.value.field == "reactions" and message in refused.value.message


def test_a_configured_list_that_is_not_one_leaves_like_alone(app, caplog):
    assert reactions_in("just words") == ()
    assert "REACTIONS is not a list of reactions" in caplog.text


def test_an_admin_changes_the_reactions_offered(client, post):
    client.sign_in(make_user(role="admin"))
    from tests.test_site_settings import page_values
    saved = client.submit("/admin/settings", page_values(reactions="🙏 Thanks, 🔥 Hot take"))
    assert saved.status_code == 302
    page = client.get(f"/t/{post.thread.id}-{post.thread.slug}").text
    assert 'value="🙏"' in page and 'value="🔥"' in page and 'title="Hot take"' in page and 'value="😂"' not in page
    refused = client.submit("/admin/settings", page_values(reactions="🙏"))
    assert refused.status_code == 422 and "an emoji and its name" in refused.text and 'value="🙏"' in refused.text
