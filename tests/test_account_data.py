"""Your data: downloading a copy of it, and deleting the account (keeping or removing the posts)."""

import io
import json
from datetime import timedelta

import pytest
from PIL import Image

from forum.extensions import db
from forum.account import service as account
from forum.models import (Draft, Ignore, Notification, Post, PostReaction, PostRevision, ThreadRead, ThreadSubscription,
                          User)
from forum.posts.service import reactions
from forum.posts import service as posts
from forum.posts.service.drafts import save_draft
from forum.posts.service.quoting import quote_markdown
from tests.conftest import HTMX
from tests.factories import PASSWORD, make_reply, make_thread, make_user


@pytest.fixture(autouse=True)
def uploads(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    return tmp_path / "avatars"


@pytest.fixture
def scene(app):
    """Rhonda writes, likes, is mentioned and keeps a draft; Lou answers, quotes her and finds her post funny."""
    rhonda = make_user(username="rhonda", display_name="Rhonda Bird", email="rhonda@example.com")
    lou = make_user(username="lou_d", display_name="Lou Dobbs", email="lou@example.com")
    thread = make_thread(author=lou, title="Bridge vote", body="Lou's opening words.")
    hers = make_reply(thread, author=rhonda, body="Rhonda's own point about the bridge.")
    lous = posts.add_reply(thread, lou, quote_markdown(hers) + "Lou's answer to @rhonda.", parent_id=hers.id)
    reactions.react(rhonda, db.session.get(Post, thread_opening(thread)), "like")
    reactions.react(lou, hers, "😂")
    save_draft(rhonda, thread, "Rhonda's half-written reply", None)
    account.update_bio(rhonda, "I **love** bridges.")
    return {"rhonda": rhonda, "lou": lou, "thread": thread, "hers": hers, "lous": lous}


def thread_opening(thread) -> int:
    return db.session.scalar(db.select(Post.id).where(Post.thread_id == thread.id).order_by(Post.id).limit(1))


def fresh(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def delete(client, posts_choice="keep", password=PASSWORD, htmx=False):
    return client.submit("/settings/data/delete", {"posts": posts_choice, "password": password}, htmx=htmx)


# Export

def test_export_holds_the_members_own_data_and_nobody_elses(client, scene):
    rhonda, lou, hers = scene["rhonda"], scene["lou"], scene["hers"]
    client.sign_in(rhonda)
    assert client.get("/settings/data/export").status_code == 405  # a download the form asks for, with CSRF
    response = client.submit("/settings/data/export")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="rhonda-forum-data.json"'
    data = json.loads(response.text)
    assert data["account"] == {"username": "rhonda", "display_name": "Rhonda Bird", "email": "rhonda@example.com",
                               "name_style": "full", "joined": data["account"]["joined"],
                               "bio": "I **love** bridges.", "role": "member"}
    assert [p["id"] for p in data["posts"]] == [hers.id]
    assert data["posts"][0]["thread_title"] == "Bridge vote" and data["posts"][0]["removal"] is None
    assert [(r["post_id"], r["reaction"]) for r in data["reactions"]] == [(thread_opening(scene["thread"]), "like")]
    assert {(n["kind"], n["actor"], n["post_id"]) for n in data["notifications"]} == {
        ("mention", "lou_d", scene["lous"].id), ("reaction", "lou_d", hers.id)}
    assert [d["body"] for d in data["drafts"]] == ["Rhonda's half-written reply"]
    assert "lou@example.com" not in response.text and "Lou's opening words" not in response.text
    assert "Lou's answer" not in response.text
    assert lou.username in response.text  # only as the one who mentioned her


def test_export_and_the_data_page_need_a_signed_in_member(client):
    assert client.submit("/settings/data/export").status_code == 302
    assert client.get("/settings/data").status_code == 302
    client.sign_in(make_user())
    page = client.get("/settings/data")
    assert page.status_code == 200 and "Download my data" in page.text and "Delete my account" in page.text


# Delete, keeping the posts

@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_deleting_and_keeping_posts_erases_the_person_but_not_the_words(client, scene, htmx):
    rhonda, thread, hers = scene["rhonda"], scene["thread"], scene["hers"]
    liked = thread_opening(thread)
    client.sign_in(rhonda)
    response = delete(client, "keep", htmx=htmx)
    if htmx:
        assert response.status_code == 200 and response.headers["HX-Redirect"] == "/"
    else:
        assert response.status_code == 302 and response.location == "/"
    gone = fresh(rhonda)
    assert gone.deleted_at is not None and gone.username == "rhonda"  # held
    assert "@" not in gone.email and "rhonda" not in gone.email
    assert gone.display_name == "deleted member" and gone.bio == gone.bio_html == ""
    assert gone.role == "member"
    for model, column in ((Draft, Draft.user_id), (Notification, Notification.user_id),
                          (PostReaction, PostReaction.user_id)):
        assert db.session.scalar(db.select(db.func.count()).select_from(model).where(column == rhonda.id)) == 0
    assert db.session.get(Post, liked).reaction_count == 0  # her like is taken back
    assert db.session.get(Post, hers.id).reaction_count == 1  # Lou's reaction to her post stays
    # Lou heard of her like; with no reaction left on his post, that notification went too.
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification).where(
        Notification.user_id == scene["lou"].id, Notification.kind == "reaction")) == 0

    page = client.get(f"/t/{thread.id}-{thread.slug}").text
    assert "Rhonda's own point about the bridge." in page
    assert "Rhonda" not in page.replace("Rhonda's own point", "")  # her name is nowhere, not even in quotes
    assert page.count("<bdi>deleted member</bdi>") >= 1 and "@rhonda" not in page.replace("@rhonda.", "")
    assert "deleted member</a> wrote" in db.session.get(Post, scene["lous"].id).body_html
    assert client.get("/u/rhonda").status_code == 404


def test_the_username_of_a_deleted_member_is_not_shown_even_when_two_share_the_name(client, scene):
    rhonda, thread = scene["rhonda"], scene["thread"]
    other = make_user(username="another_one")
    make_reply(thread, author=other)
    account.delete_account(rhonda, PASSWORD, keep_posts=True)
    account.delete_account(other, PASSWORD, keep_posts=True)
    page = client.get(f"/t/{thread.id}-{thread.slug}").text
    assert "another_one" not in page and '<small class="name-suffix">@rhonda' not in page


# Delete, removing the posts

def test_deleting_and_removing_posts_leaves_placeholders(client, scene):
    rhonda, thread, hers = scene["rhonda"], scene["thread"], scene["hers"]
    client.sign_in(rhonda)
    assert delete(client, "remove").status_code == 302
    removed = db.session.get(Post, hers.id)
    assert removed.removal == "author" and removed.removed_at is not None
    page = client.get(f"/t/{thread.id}-{thread.slug}").text
    assert "Rhonda's own point" not in page and "This post was deleted by its author." in page
    assert "Lou's answer" in page  # Lou's reply stays, its quote of her collapsed
    assert "Rhonda's own point" not in db.session.get(Post, scene["lous"].id).body_html


def test_removing_posts_erases_their_words_and_revisions_from_the_database_and_search(app, client, scene):
    rhonda, hers, lous = scene["rhonda"], scene["hers"], scene["lous"]
    app.config["EDIT_GRACE_SECONDS"] = -1  # every edit keeps the text before it as a revision
    posts.edit_post(hers, rhonda, "Rhonda's own point about the bridge, with pelicans.", None)
    assert "2 results for" in client.get("/search?q=point").text  # hers, and Lou's quote of her

    account.delete_account(fresh(rhonda), PASSWORD, keep_posts=False)

    db.session.expire_all()
    removed = db.session.get(Post, hers.id)
    assert removed.body == removed.body_html == removed.search_text == ""
    assert db.session.scalar(db.select(db.func.count()).select_from(PostRevision)
                             .where(PostRevision.post_id == hers.id)) == 0
    quoting = db.session.get(Post, lous.id)
    assert "own point" not in quoting.body_html and "own point" not in quoting.search_text
    assert "This post was deleted by its author." in quoting.search_text
    guest = [client.get(f"/search?q={word}").text for word in ("point", "pelicans")]
    client.sign_in(scene["lou"])
    member = [client.get(f"/search?q={word}").text for word in ("point", "pelicans")]
    assert all("0 results for" in found for found in guest + member)


def test_a_ban_lifted_later_does_not_bring_back_posts_the_member_removed(app, scene):
    from forum.moderation.service import sanctions

    rhonda = scene["rhonda"]
    admin = make_user(role="admin")
    ban = sanctions.issue(admin, rhonda, sanctions.SanctionRequest(kind="ban", reason="Spam", remove_posts=True))
    account.delete_account(fresh(rhonda), PASSWORD, keep_posts=False)
    sanctions.lift(admin, ban, "Appeal upheld")
    assert db.session.get(Post, scene["hers"].id).removal is not None


# Signing in afterwards, and the name

def test_old_sessions_and_remember_me_cookies_end(app, client, scene):
    rhonda = scene["rhonda"]
    other_device = app.test_client()
    other_device.sign_in(rhonda, remember=True)
    remember_only = app.test_client()
    remember_only.set_cookie("remember_token", other_device.get_cookie("remember_token").value)
    assert "Sign out" in remember_only.get("/").text
    client.sign_in(rhonda)
    delete(client)
    for device in (client, other_device, remember_only):
        assert "Sign out" not in device.get("/").text
        assert device.get("/settings").status_code == 302


def test_signing_in_to_a_deleted_account_fails_like_a_wrong_password(client, scene):
    account.delete_account(scene["rhonda"], PASSWORD, keep_posts=True)
    for login in ("rhonda", "rhonda@example.com"):
        response = client.submit("/login", {"username": login, "password": PASSWORD})
        assert response.status_code == 422
        assert "That username and password do not match." in response.text


def test_the_username_stays_taken_but_the_email_is_free(client, scene, smtp_server):
    account.delete_account(scene["rhonda"], PASSWORD, keep_posts=True)
    taken = client.submit("/register", {"username": "Rhonda", "display_name": "Someone Else",
                                        "email": "new@example.com", "name_style": "full"})
    assert taken.status_code == 422 and "That username is taken. Please choose another." in taken.text
    again = client.register_through_mail(smtp_server, username="rhonda_again", email="rhonda@example.com")
    assert again.status_code == 302


def test_usernames_are_released_after_the_hold(app, scene):
    rhonda = scene["rhonda"]
    account.delete_account(rhonda, PASSWORD, keep_posts=True)
    assert account.release_usernames() == []
    later = fresh(rhonda).deleted_at + timedelta(days=app.config["DELETED_USERNAME_HOLD_DAYS"] + 1)
    assert account.release_usernames(now=later) == ["rhonda"]
    assert fresh(rhonda).username == f"~{rhonda.id}"
    make_user(username="rhonda")  # free again


def test_nobody_may_call_themselves_deleted_member(client):
    client.sign_in(make_user())
    response = client.submit("/settings/profile", {"display_name": "Deleted Member", "name_style": "full"})
    assert response.status_code == 422 and "That name is reserved." in response.text


# Refusals

@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_wrong_password_deletes_nothing(client, scene, htmx):
    rhonda = scene["rhonda"]
    client.sign_in(rhonda)
    response = delete(client, "remove", password="not my password", htmx=htmx)
    assert response.status_code == 422
    assert 'id="delete-password-error">That is not your password. Nothing was deleted.' in response.text
    assert ("<html" in response.text) is not htmx and 'id="delete-account"' in response.text
    kept = fresh(rhonda)
    assert kept.deleted_at is None and kept.email == "rhonda@example.com" and kept.display_name == "Rhonda Bird"
    assert db.session.get(Post, scene["hers"].id).removal is None
    assert "Sign out" in client.get("/").text


def test_the_choice_about_posts_is_required(client):
    client.sign_in(make_user())
    response = client.submit("/settings/data/delete", {"password": PASSWORD}, htmx=True)
    assert response.status_code == 422 and "Choose what happens to your posts." in response.text


def test_the_only_admin_cannot_delete_their_account(client):
    admin = make_user(role="admin")
    client.sign_in(admin)
    response = delete(client)
    assert response.status_code == 422 and "only admin" in response.text
    assert fresh(admin).deleted_at is None


def test_the_uploaded_picture_is_erased(client, uploads, scene):
    rhonda = scene["rhonda"]
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(out, "PNG")
    account.set_avatar(rhonda, out.getvalue())
    stored = fresh(rhonda).avatar
    assert (uploads / stored).exists()
    account.delete_account(fresh(rhonda), PASSWORD, keep_posts=True)
    assert fresh(rhonda).avatar is None and not (uploads / stored).exists()
    svg = client.get(f"/avatars/{rhonda.id}.svg").text
    assert ">DM</text>" in svg and "hsl(0, 0%, 45%)" in svg


def test_delete_needs_a_signed_in_member(client):
    response = client.submit("/settings/data/delete", {"posts": "keep", "password": PASSWORD},
                             headers={**HTMX, "HX-Current-URL": "http://localhost/settings/data"})
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")


def test_wrong_passwords_here_are_rate_limited_like_sign_ins(client):
    user = make_user()
    client.sign_in(user)
    answers = [delete(client, password=f"guess number {n}").status_code for n in range(6)]
    assert answers == [422] * 5 + [429]
    assert fresh(user).deleted_at is None


def test_deleting_ends_reading_state_watches_ignores_and_notifications(client, scene):
    rhonda, lou, thread, hers = scene["rhonda"], scene["lou"], scene["thread"], scene["hers"]
    client.sign_in(rhonda)
    client.get(f"/t/{thread.id}-{thread.slug}")  # reading state
    client.submit(f"/t/{thread.id}/subscription", {"level": "watching"})
    client.submit(f"/u/{lou.username}/ignore")
    client.sign_in(lou)
    client.submit(f"/u/{rhonda.username}/ignore")
    for model in (ThreadRead, ThreadSubscription, Ignore):
        assert db.session.scalar(db.select(db.func.count()).select_from(model)) >= 1, model

    account.delete_account(fresh(rhonda), PASSWORD, keep_posts=True)
    for model in (ThreadRead, ThreadSubscription, Ignore):
        assert db.session.scalar(db.select(db.func.count()).select_from(model)) == 0, model
    posts.add_reply(thread, lou, "Still answering her kept post.", parent_id=hers.id)
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)
                             .where(Notification.user_id == rhonda.id)) == 0


def test_a_deleted_member_is_not_suggested_nor_ignorable(client, scene):
    rhonda = scene["rhonda"]
    client.sign_in(scene["lou"])
    assert "@rhonda" in client.fragment("/members/suggest?q=rho").text
    account.delete_account(fresh(rhonda), PASSWORD, keep_posts=True)
    assert "rhonda" not in client.fragment("/members/suggest?q=rho").text
    assert client.submit("/u/rhonda/ignore").status_code == 404
