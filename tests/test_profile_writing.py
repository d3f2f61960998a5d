"""A profile's post count and recent posts, kept per worker until the site changes (forum/members/service/
profiles.py, `writing`): every change a reader could see shows at once, each kind of reader (a guest, a
member, the member themselves, staff) sees what they may read and no other kind's answer, and a kept
page is exactly what counting afresh gives.

The guest page cache is off here, so that guests' profiles are rendered, through the kept answers."""

import re

import pytest
from forum.account import service as account
from forum.admin.service import categories as admin_categories
from forum.auth.service import accounts
from forum.moderation.service import flags, sanctions
from forum.moderation.service import threads as thread_moderation
from forum.moderation.service.sanctions import SanctionRequest
from forum.posts import service as posts
from forum.unchanged import Answers
from tests.factories import PASSWORD, make_category, make_reply, make_thread, make_user

APP_CONFIG = {"PAGE_CACHE_SECONDS": 0}
KINDS = ["guest", "member", "self", "staff"]
COUNT = re.compile(r"· ([0-9]+) posts?</p>")


def comparable(html: str) -> str:
    """A page without what differs per answer: the nonce and the CSRF token."""
    html = re.sub(r'nonce="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": ?"[^"]+"', "", html)
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


def profile(app, client) -> tuple[int, str]:
    """Opal's post count and profile page as `client` sees them, checked against the page counted afresh."""
    kept = client.get("/u/opal")
    assert kept.status_code == 200
    answers = app.extensions["unchanged"]
    app.extensions["unchanged"] = Answers()
    try:
        fresh = client.get("/u/opal").text
    finally:
        app.extensions["unchanged"] = answers
    assert comparable(kept.text) == comparable(fresh)
    return int(COUNT.search(kept.text).group(1)), kept.text


class Site:
    """Opal's writing: an open thread she started and replied in, a members-only thread, and a thread of
    hers a moderator removed (which staff alone still read)."""

    def __init__(self):
        self.opal = make_user(username="opal", display_name="Opal Quist")
        self.moderator = make_user(username="mona", role="moderator")
        self.members = make_category(name="Members room", members_only=True)
        self.open = make_thread(author=self.opal, title="Open talk", body="Words in the open.")
        self.reply = make_reply(self.open, author=self.opal, body="Second words.")
        self.private = make_thread(author=self.opal, category=self.members, title="Members talk",
                                   body="Words for members.")
        self.gone = make_thread(author=self.opal, title="Gone talk", body="Words taken away.")
        thread_moderation.remove(self.moderator, self.gone, "Off topic")


@pytest.fixture
def site():
    return Site()


def reader_for(app, site, kind):
    client = app.test_client()
    if kind != "guest":
        client.sign_in({"member": make_user(), "self": site.opal, "staff": site.moderator}[kind])
        client.get("/")  # reads the "Signed in" message, which a page shows once
    return client


@pytest.fixture(params=KINDS)
def reader(request, app, site):
    return request.param, reader_for(app, site, request.param)


BEFORE = {"guest": 2, "member": 3, "self": 3, "staff": 4}


def test_each_kind_of_reader_sees_what_they_may_read_and_no_other_kinds_answer(app, site):
    clients = {kind: reader_for(app, site, kind) for kind in KINDS}
    for kind in [*KINDS, *reversed(KINDS)]:  # each kind asks after the others' answers are kept
        count, page = profile(app, clients[kind])
        assert count == BEFORE[kind]
        assert ("Members talk" in page) == (kind != "guest")
        assert ("Gone talk" in page) == (kind == "staff")


def _new_post(site):
    make_reply(site.open, author=site.opal, body="A later word.")
    return 1, ["A later word."], []


def _edited_post(site):
    posts.edit_post(site.reply, site.opal, "Second words, edited.", None)
    return 0, ["Second words, edited."], ["Second words.</p>"]


def _removed_post(site):
    flags.hide_post(site.moderator, site.reply, "Off topic")
    return -1, [], ["Second words."]


def _removed_thread(site):
    thread_moderation.remove(site.moderator, site.open, "Off topic")
    return {"guest": -2, "member": -2, "self": -2, "staff": 0}, [], {"guest": ["Open talk"], "member": ["Open talk"],
                                                                      "self": ["Open talk"], "staff": []}


def _moved_to_members_only(site):
    thread_moderation.move(site.moderator, site.open, site.members)
    return {"guest": -2, "member": 0, "self": 0, "staff": 0}, [], []


def _renamed_category(site):
    admin_categories.update_category(make_user(role="admin"), site.members, admin_categories.CategoryFields(
        name="Inner room", slug=site.members.slug, members_only=True))
    return 0, [], ["Members room"]


def _banned_author(site):
    sanctions.issue(site.moderator, site.opal, SanctionRequest(kind="ban", reason="Spam", remove_posts=True))
    return {"guest": -2, "member": -3, "self": -3, "staff": -4}, [], ["Words in the open.", "Second words."]


def _new_name(site):
    accounts.update_profile(site.opal, "Opal Renamed", "full")
    return 0, ["Opal Renamed"], ["Opal Quist"]


CHANGES = [_new_post, _edited_post, _removed_post, _removed_thread, _moved_to_members_only, _renamed_category,
           _banned_author, _new_name]


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__.strip("_"))
def test_every_change_a_reader_can_see_shows_at_once(app, site, reader, change):
    kind, client = reader
    profile(app, client)
    before, _ = profile(app, client)
    assert before == BEFORE[kind]
    assert len(app.extensions["unchanged"].kept) >= 1  # the answer was kept
    moved, shown, gone = change(site)
    if kind == "self" and change is _banned_author:
        client = reader_for(app, site, "guest")  # a ban signs the member out: she reads as a guest now
        kind, before = "guest", BEFORE["guest"]
    count, page = profile(app, client)
    assert count == before + for_kind(moved, kind)
    for words in for_kind(shown, kind):
        assert words in page
    for words in for_kind(gone, kind):
        assert words not in page


def for_kind(expected, kind):
    """What a change is expected to do, the same for every kind of reader or told per kind."""
    return expected[kind] if isinstance(expected, dict) else expected


def test_a_restored_post_and_a_restored_thread_show_again_at_once(app, site, reader):
    kind, client = reader
    flags.hide_post(site.moderator, site.reply, "Off topic")
    before, page = profile(app, client)
    assert "Second words." not in page
    flags.restore_post(site.moderator, site.reply)
    count, page = profile(app, client)
    assert count == before + 1 and "Second words." in page

    thread_moderation.restore(site.moderator, site.gone)
    count, page = profile(app, client)
    assert "Words taken away." in page
    assert count == before + (1 if kind == "staff" else 2)  # staff counted the removed thread all along


def test_a_deleted_account_has_no_profile_at_once(app, site, reader):
    _, client = reader
    profile(app, client)
    account.delete_account(site.opal, PASSWORD, keep_posts=True)
    assert client.get("/u/opal").status_code == 404
