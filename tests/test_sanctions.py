"""Sanctions that hold: issuing, enforcement on every write, copied cookies, appeals, the log."""

import re
from datetime import timedelta

import pytest

from forum.database import write_transaction
from forum.extensions import db
from forum.models import Appeal, Draft, Flag, ModAction, Post, Sanction, Thread, User
from forum.models.base import utcnow
from forum.moderation.service import sanctions
from forum.moderation.service.log import log_action
from forum.page_cache import HEADER
from forum.moderation.service.sanctions import SanctionRequest
from forum.posts import service as posts
from forum.posts.service.quoting import quote_markdown
from tests.conftest import HTMX, CSRF_IN_PAGE
from tests.factories import PASSWORD, make_reply, make_thread, make_user


@pytest.fixture
def admin():
    return make_user(username="chief", role="admin")


@pytest.fixture
def moderator():
    return make_user(username="modsue", role="moderator")


@pytest.fixture
def member():
    return make_user(username="trouble", display_name="Trouble Maker")


def counts():
    """Rows a write could add, and the state of the rows it could change."""
    tables = [db.session.scalar(db.select(db.func.count()).select_from(m))
              for m in (Post, Thread, Draft, Appeal, Sanction, Flag, ModAction)]
    changed = db.session.execute(db.select(Post.body, Post.removal, Post.version).order_by(Post.id)).all()
    return tables, changed, db.session.execute(db.select(User.display_name, User.password_hash, User.role)).all()


def issue(actor, member, kind="suspension", days=3, **extra):
    return sanctions.issue(actor, member, SanctionRequest(kind=kind, reason="Repeated insults.", days=days, **extra))


# Issuing


def test_sanction_form_preview_and_issue(client, moderator, member):
    client.sign_in(moderator)
    assert client.get(f"/mod/members/{member.username}/sanction").status_code == 200
    data = {"kind": "suspension", "reason": "Repeated insults.", "note": "third time", "days": "7"}
    preview = client.submit(f"/mod/members/{member.username}/sanction/preview", data, htmx=True)
    assert preview.status_code == 200 and preview.text.lstrip().startswith('<div id="sanction-form">')
    assert "signed out everywhere at once" in preview.text and "<html" not in preview.text
    page_preview = client.submit(f"/mod/members/{member.username}/sanction/preview", data)
    assert "What will happen:" in page_preview.text and "<html" in page_preview.text
    done = client.submit(f"/mod/members/{member.username}/sanction", data)
    assert done.status_code == 302 and done.location == f"/u/{member.username}/standing"
    sanction = db.session.scalar(db.select(Sanction))
    assert (sanction.kind, sanction.note, sanction.issued_by_id) == ("suspension", "third time", moderator.id)
    assert sanction.ends_at - sanction.starts_at == timedelta(days=7)
    assert db.session.scalar(db.select(ModAction.action)) == "sanction:suspension"


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_sanction_needs_a_reason(client, moderator, member, htmx):
    client.sign_in(moderator)
    response = client.submit(f"/mod/members/{member.username}/sanction", {"kind": "warning", "reason": ""}, htmx=htmx)
    assert response.status_code == 422 and "Give the member a reason" in response.text
    assert db.session.scalar(db.select(db.func.count(Sanction.id))) == 0


def test_a_moderator_cannot_sanction_an_admin(client, moderator, admin):
    client.sign_in(moderator)
    assert "You cannot sanction this member" in client.get(f"/mod/members/{admin.username}/sanction").text
    response = client.submit(f"/mod/members/{admin.username}/sanction", {"kind": "ban", "reason": "nope"})
    assert response.status_code == 403 and db.session.scalar(db.select(db.func.count(Sanction.id))) == 0


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_members_and_guests_cannot_sanction(app, client, member, htmx):
    victim = make_user()
    guest = app.test_client()
    for url in (f"/mod/members/{victim.username}/sanction", "/mod/appeals"):
        assert guest.get(url, headers=HTMX if htmx else {}).status_code == (401 if htmx else 302)
    client.sign_in(member)
    response = client.submit(f"/mod/members/{victim.username}/sanction", {"kind": "ban", "reason": "x"}, htmx=htmx)
    assert response.status_code == 403
    assert client.get("/mod/appeals", headers=HTMX if htmx else {}).status_code == 403
    assert db.session.scalar(db.select(db.func.count(Sanction.id))) == 0


# Enforcement


def every_write(thread, post):
    """Every state-changing request a member can make, with valid-looking data."""
    return [
        ("/new", {"category": thread.category.slug, "title": "A new thread", "body": "text"}),
        (f"/t/{thread.id}/reply", {"body": "a reply"}),
        (f"/t/{thread.id}/preview", {"body": "a preview"}),
        (f"/t/{thread.id}/draft", {"body": "a draft"}),
        (f"/p/{post.id}/edit", {"body": "edited", "version": "1"}),
        (f"/p/{post.id}/delete", {}),
        ("/settings/profile", {"display_name": "Changed Name", "name_style": "short"}),
        ("/settings/password", {"current_password": PASSWORD, "new_password": "x" * 12, "confirm": "x" * 12}),
    ]


# Anyone may sign in, register (and finish by the mailed link), sign out, reset a password or
# unsubscribe from email (by a mailed link); every other POST route is a member's write.
NOT_MEMBER_WRITES = {"auth.login", "auth.second_step_submit", "auth.register", "auth.finish_registration", "auth.logout",
                     "auth.forget_notice", "auth.reset_request", "auth.sso_sign_in_in_frame", "auth.sso_sign_out_confirmed",
                     "auth.reset_password", "notifications.unsubscribe",
                     "account.confirm_email_change"}  # a mailed link, like reset and unsubscribe: works signed out
FORM = {"body": "words", "title": "A new thread", "version": "1", "reason": "because", "text": "words",
        "display_name": "Changed Name", "name_style": "short", "kind": "warning", "outcome": "lifted",
        "current_password": PASSWORD, "new_password": "x" * 12, "confirm": "x" * 12, "note": "n"}


def every_member_write(app, **values):
    """Every state-changing route of the app (its URL map), filled in with real ids."""
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "POST" in rule.methods and rule.endpoint not in NOT_MEMBER_WRITES:
                yield app.url_for(rule.endpoint, **{name: values.get(name, 1) for name in rule.arguments})


def test_copied_cookies_stop_working_everywhere_after_a_ban(app, admin, member):
    """Sign in with remember-me, copy the cookies, ban, replay both on every write: all refused."""
    thread = make_thread(author=member)
    post = make_reply(thread, author=member, body="my words")
    first = app.test_client()
    first.sign_in(member, remember=True)
    copy = app.test_client()
    for name in ("session", "remember_token"):
        copy.set_cookie(name, first.get_cookie(name).value)
    remember_only = app.test_client()
    remember_only.set_cookie("remember_token", first.get_cookie("remember_token").value)
    assert "Sign out" in copy.get("/").text and "Sign out" in remember_only.get("/").text

    staff = app.test_client()
    staff.sign_in(admin)
    staff.submit(f"/mod/members/{member.username}/sanction", {"kind": "ban", "reason": "Spam."})
    sanction = db.session.scalar(db.select(Sanction))
    urls = list(every_member_write(app, thread_id=thread.id, post_id=post.id, username=member.username,
                                   sanction_id=sanction.id, appeal_id=1, slug=thread.slug))
    assert f"/t/{thread.id}/reply" in urls and f"/p/{post.id}/edit" in urls and len(urls) >= 10
    before = counts()
    for client in (first, copy, remember_only):
        assert "Sign out" not in client.get("/").text
        token = CSRF_IN_PAGE.search(client.get("/login").text).group(1)  # a valid token for its session
        for url in urls:
            for headers in ({}, HTMX):
                response = client.post(url, data={**FORM, "category": thread.category.slug, "csrf_token": token},
                                       headers=headers)
                # Not sent to sign in: told where it is that the ban signed it out (test_signed_out_notice.py)
                assert response.status_code == 401, (url, response.status_code)
                assert "You were signed out" in response.text and "HX-Redirect" not in response.headers, url
    assert counts() == before
    assert db.session.get(Post, post.id).body == "my words" and db.session.get(Post, post.id).removal is None


def test_a_suspended_member_can_sign_in_only_to_read_and_appeal(client, admin, member):
    thread = make_thread()
    issue(admin, member)
    client.sign_in(member)
    page = client.get(f"/t/{thread.id}-{thread.slug}").text
    assert "Suspended" in page and "Repeated insults." in page and "Your standing and appeal" in page
    before = counts()
    for htmx in (False, True):
        response = client.submit(f"/t/{thread.id}/reply", {"body": "let me back in"}, htmx=htmx)
        assert response.status_code == 403 and "Your account is suspended until" in response.text
        if htmx:
            assert response.headers["HX-Reswap"] == "none" and 'id="flash"' in response.text
        else:
            assert "let me back in</textarea>" in response.text  # the typed text is shown back
    assert counts() == before
    sanction = db.session.scalar(db.select(Sanction))
    appealed = client.submit(f"/standing/{sanction.id}/appeal", {"text": "It was a misunderstanding."})
    assert appealed.status_code == 302
    assert db.session.scalar(db.select(Appeal.text)) == "It was a misunderstanding."


@pytest.mark.parametrize("kind", ["silence", "suspension", "ban"])
def test_read_only_sanctions_refuse_every_write(client, admin, member, kind):
    thread = make_thread(author=member)
    post = make_reply(thread, author=member)
    client.sign_in(member)
    issue(admin, member, kind=kind, days=None if kind == "ban" else 2)
    if kind != "silence":
        client.sign_in(member)  # signed out by the sanction: sign in again, as the notice allows
    before = counts()
    for url, data in every_write(thread, post):
        for htmx in (False, True):
            response = client.submit(url, data, htmx=htmx)
            assert response.status_code == 403, (url, htmx, response.status_code)
    assert counts() == before


def test_a_write_in_flight_when_the_ban_lands_does_not_slip_through(app, admin, member, monkeypatch):
    """The request passed the door check; the ban commits before its transaction: still refused."""
    thread = make_thread()
    import forum.posts.service as service

    original = service.render_post

    def render_then_ban(*args, **kwargs):
        rendered = original(*args, **kwargs)
        issue(admin, member, kind="ban", days=None)
        return rendered

    monkeypatch.setattr(service, "render_post", render_then_ban)
    with pytest.raises(Exception) as refused:
        posts.add_reply(thread, member, "slipping through?")
    assert "banned" in str(refused.value)
    assert db.session.scalar(db.select(db.func.count(Post.id)).where(Post.body == "slipping through?")) == 0


def test_a_timed_sanction_ends_on_its_own(client, admin, member):
    thread = make_thread()
    sanction = issue(admin, member, kind="silence", days=1)
    with write_transaction() as session:
        row = session.get(Sanction, sanction.id)
        row.starts_at, row.ends_at = utcnow() - timedelta(days=2), utcnow() - timedelta(seconds=1)
    client.sign_in(member)
    assert client.submit(f"/t/{thread.id}/reply", {"body": "back again"}).status_code == 302


def test_thread_ban_and_slow_mode(client, admin, member):
    heated, calm = make_thread(title="Heated"), make_thread(title="Calm")
    issue(admin, member, kind="thread_ban", thread_id=heated.id)
    client.sign_in(member)
    refused = client.submit(f"/t/{heated.id}/reply", {"body": "one more thing"}, htmx=True)
    assert refused.status_code == 403 and "You cannot reply in this thread" in refused.text
    assert client.submit(f"/t/{calm.id}/reply", {"body": "fine here"}).status_code == 302
    issue(admin, member, kind="slow_mode", slow_mode_minutes=10)
    slowed = client.submit(f"/t/{calm.id}/reply", {"body": "and again"}, htmx=True)
    assert slowed.status_code == 429 and 0 < int(slowed.headers["Retry-After"]) <= 600
    assert "one post every 10 minutes" in slowed.text


def test_removing_all_posts_and_lifting_brings_them_back(client, admin, member):
    thread = make_thread()
    post = make_reply(thread, author=member, body="my reply")
    quoting = make_reply(thread, body=quote_markdown(post) + "quoting")
    sanction = issue(admin, member, kind="ban", days=None, remove_posts=True)
    assert db.session.get(Post, post.id).placeholder == "Removed: the member was banned."
    assert "Removed: the member was banned." in db.session.get(Post, quoting.id).body_html
    sanctions.lift(admin, sanction, "Mistaken identity.")
    assert db.session.get(Post, post.id).removal is None
    assert "my reply" in db.session.get(Post, quoting.id).body_html


# Standing, appeals, the log


def test_standing_is_private_to_the_member_and_staff(app, client, admin, moderator, member):
    issue(admin, member, kind="warning", days=None)
    client.sign_in(member)
    own = client.get(f"/u/{member.username}/standing").text
    assert "Warning" in own and "Repeated insults." in own and "Internal note" not in own
    other = app.test_client()
    other.sign_in(make_user())
    assert other.get(f"/u/{member.username}/standing").status_code == 403
    staff = app.test_client()
    staff.sign_in(moderator)
    assert staff.get(f"/u/{member.username}/standing").status_code == 200
    assert client.get("/standing").location == f"/u/{member.username}/standing"


def test_an_appeal_is_decided_by_another_moderator(app, client, admin, moderator, member):
    sanction = issue(moderator, member, kind="silence", days=5)
    client.sign_in(member)
    client.submit(f"/standing/{sanction.id}/appeal", {"text": "Please reconsider."})
    appeal = db.session.scalar(db.select(Appeal))
    issuer = app.test_client()
    issuer.sign_in(moderator)
    refused = issuer.submit(f"/mod/appeals/{appeal.id}/decide", {"outcome": "lifted", "reason": "fine"})
    assert refused.status_code == 403 and db.session.get(Appeal, appeal.id).decided_at is None
    other = app.test_client()
    other.sign_in(admin)
    assert "Please reconsider." in other.get("/mod/appeals").text
    decided = other.submit(f"/mod/appeals/{appeal.id}/decide", {"outcome": "lifted", "reason": "Fair point."})
    assert decided.status_code == 302
    assert db.session.get(Sanction, sanction.id).lifted_at is not None
    standing = client.get(f"/u/{member.username}/standing").text
    assert "Decision: lifted." in standing and "Fair point." in standing
    rows = db.session.scalars(db.select(ModAction).where(ModAction.target_id == member.id)
                              .order_by(ModAction.id)).all()
    assert [row.action for row in rows] == ["sanction:silence", "appeal:lifted"]  # one row for the decision
    log = client.get("/modlog").text
    assert "appeal granted: sanction lifted" in log and log.count("Fair point.") == 1
    thread = make_thread()
    assert client.submit(f"/t/{thread.id}/reply", {"body": "thank you"}).status_code == 302


def test_a_second_appeal_of_the_same_sanction_is_refused(client, admin, member):
    sanction = issue(admin, member, kind="silence", days=5)
    client.sign_in(member)
    client.submit(f"/standing/{sanction.id}/appeal", {"text": "Once."})
    again = client.submit(f"/standing/{sanction.id}/appeal", {"text": "Twice."})
    assert again.status_code == 422 and "already appealed" in again.text


def test_the_public_log_shows_actions_without_private_details(client, admin, member):
    issue(admin, member, kind="suspension", note="internal: see ticket 42")
    page = client.get("/modlog")
    assert page.status_code == 200
    assert "sanction suspension" in page.text and "Repeated insults." in page.text and "admin" in page.text
    assert "ticket 42" not in page.text and member.username not in page.text


def test_staff_reach_the_sanction_form_from_a_post_and_a_profile(client, moderator, member):
    thread = make_thread(author=member)
    client.sign_in(moderator)
    form_url = f"/mod/members/{member.username}/sanction"
    # from a post, the form knows the thread (for "cannot reply in a thread")
    assert f'href="{form_url}?thread={thread.id}">Sanction author</a>' in client.get(f"/t/{thread.id}-{thread.slug}").text
    assert f'href="{form_url}">Sanction this member</a>' in client.get(f"/u/{member.username}").text
    prefilled = client.get(f"{form_url}?thread={thread.id}").text
    assert re.search(rf'<input[^>]*id="thread_id"[^>]*value="{thread.id}"', prefilled)
    assert 'value=""' in re.search(r'<input[^>]*id="thread_id"[^>]*>', client.get(f"{form_url}?thread=x").text).group(0)


def test_a_refused_sanction_form_focuses_the_invalid_field(client, moderator, member):
    """Sent without JavaScript, the form comes back whole: focus goes to the field to correct."""
    client.sign_in(moderator)
    refused = client.submit(f"/mod/members/{member.username}/sanction", {"kind": "thread_ban", "reason": "Heat."})
    assert refused.status_code == 422
    [tag] = re.findall(r"<[^>]*\sautofocus(?=[\s>=])[^>]*>", refused.text)
    assert 'id="thread_id"' in tag and 'aria-invalid="true"' in tag


def test_members_see_no_sanction_links(client, member):
    thread = make_thread(author=make_user())
    client.sign_in(member)
    assert "Sanction" not in client.get(f"/t/{thread.id}-{thread.slug}").text


def test_the_standing_page_names_people_as_its_heading_does(client, admin, moderator):
    """The flash after issuing and the "Issued by" line use the full names staff see in the heading,
    and the issuer is part of the dates line, not a loose line running into the lift form's label."""
    member = make_user(username="shorty", display_name="Lou DeMarco", name_style="short")
    client.sign_in(moderator)
    done = client.submit(f"/mod/members/{member.username}/sanction", {"kind": "silence", "reason": "Insults.",
                                                                      "days": "3"}, follow_redirects=True)
    assert "Standing of <bdi>Lou DeMarco</bdi>" in done.text
    assert "Lou DeMarco: silence issued." in done.text and "Lou D.:" not in done.text
    assert f"Issued by <bdi>{moderator.display_name}</bdi>.</p>" in done.text
    assert '<form class="stack sanction-action"' in done.text


def test_the_public_log_is_linked_from_every_page_and_the_standing_page(app, client, member):
    for _ in range(2):  # the second is a guest page from the cache, footer and all
        page = client.get("/")
        assert '<a href="/modlog">Moderation log</a>' in page.text
    assert page.headers[HEADER] == "hit"
    client.sign_in(member)
    assert 'href="/modlog">moderation log</a>' in client.get(f"/u/{member.username}/standing").text


def test_the_public_log_pages_by_entry_with_links_that_stay_true(client, admin):
    with write_transaction() as session:
        for n in range(1, 121):
            log_action(session, admin, "thread:lock", "thread", n, public_reason=f"entry number {n}.")
    ids = db.session.scalars(db.select(ModAction.id).order_by(ModAction.id)).all()
    reasons = lambda page: re.findall(r"entry number (\d+)\.", page.text)  # noqa: E731
    latest = client.get("/modlog")
    assert reasons(latest) == [str(n) for n in range(120, 70, -1)]
    older = re.search(r'<a rel="next" href="([^"]+)">Older entries', latest.text).group(1)
    assert older == f"/modlog?before={ids[70]}" and 'rel="prev"' not in latest.text
    second = client.get(older)
    assert reasons(second) == [str(n) for n in range(70, 20, -1)]
    with write_transaction() as session:  # new entries do not move what an older link shows
        log_action(session, admin, "thread:pin", "thread", 1, public_reason="entry number 121.")
    assert reasons(client.get(older)) == reasons(second)
    last = client.get(re.search(r'<a rel="next" href="([^"]+)"', second.text).group(1))
    assert reasons(last) == [str(n) for n in range(20, 0, -1)] and "Older entries" not in last.text
    newer = client.get(re.search(r'<a rel="prev" href="([^"]+)">← Newer', last.text).group(1))
    assert reasons(newer) == reasons(second)
    assert client.get("/modlog?before=junk").status_code == 400


def test_on_a_forum_with_one_admin_the_issuer_decides_the_appeal_and_says_so(app, client, admin, member):
    sanction = issue(admin, member, kind="silence", days=5)
    client.sign_in(member)
    sent = client.submit(f"/standing/{sanction.id}/appeal", {"text": "Please reconsider."}, follow_redirects=True)
    assert "no moderator besides the one who issued the sanction, so they will decide it" in sent.text
    appeal = db.session.scalar(db.select(Appeal))
    chief = app.test_client()
    chief.sign_in(admin)
    queue = chief.get("/mod/appeals").text
    assert "nobody else on this forum could decide the appeal, so you may" in queue
    assert f'action="/mod/appeals/{appeal.id}/decide"' in queue
    decided = chief.submit(f"/mod/appeals/{appeal.id}/decide", {"outcome": "upheld", "reason": "It stands."})
    assert decided.status_code == 302 and db.session.get(Appeal, appeal.id).decided_by_id == admin.id
    standing = client.get(f"/u/{member.username}/standing").text
    assert "Decision: upheld." in standing and "It stands." in standing
    assert "Decided by the moderator who issued the sanction" in standing
    log = client.get("/modlog").text
    assert "appeal refused by the issuer (nobody else could decide): sanction upheld" in log
    assert "It stands." in log


def test_the_issuer_may_not_decide_once_someone_else_could(app, client, admin, member):
    sanction = issue(admin, member, kind="silence", days=5)
    client.sign_in(member)
    client.submit(f"/standing/{sanction.id}/appeal", {"text": "Please reconsider."})
    appeal = db.session.scalar(db.select(Appeal))
    make_user(role="moderator")  # the forum has a second moderator now: they decide
    chief = app.test_client()
    chief.sign_in(admin)
    assert "another moderator decides the appeal" in chief.get("/mod/appeals").text
    refused = chief.submit(f"/mod/appeals/{appeal.id}/decide", {"outcome": "lifted", "reason": "fine"})
    assert refused.status_code == 403 and db.session.get(Appeal, appeal.id).decided_at is None
    assert "Waiting for a moderator other than the one who issued" in client.get(
        f"/u/{member.username}/standing").text


def test_nobody_decides_the_appeal_of_their_own_sanction_even_when_alone(app, admin):
    other_admin = make_user(role="admin")
    sanction = issue(admin, other_admin, kind="silence", days=5)
    sanctioned = app.test_client()
    sanctioned.sign_in(other_admin)
    sanctioned.submit(f"/standing/{sanction.id}/appeal", {"text": "Not fair."})
    appeal = db.session.scalar(db.select(Appeal))
    refused = sanctioned.submit(f"/mod/appeals/{appeal.id}/decide", {"outcome": "lifted", "reason": "mine"})
    assert refused.status_code == 403 and db.session.get(Appeal, appeal.id).decided_at is None
    issuer = app.test_client()
    issuer.sign_in(admin)
    lifted = issuer.submit(f"/mod/appeals/{appeal.id}/decide", {"outcome": "lifted", "reason": "Fair."})
    assert lifted.status_code == 302 and db.session.get(Sanction, sanction.id).lifted_at is not None
    assert "appeal granted by the issuer (nobody else could decide): sanction lifted" in issuer.get("/modlog").text


def test_the_sanction_form_uses_only_the_fields_its_kind_needs(client, moderator, member):
    """Without JavaScript every field shows, each marked with the kinds it is for; a value left in a
    field of another kind is not used (a warning with a thread number is not a warning in that thread)."""
    thread = make_thread()
    client.sign_in(moderator)
    page = client.get(f"/mod/members/{member.username}/sanction").text
    assert '<div class="kind-field" data-kinds="thread_ban">' in page
    assert '<div class="kind-field" data-kinds="slow_mode">' in page
    assert '<div class="kind-field" data-kinds="suspension ban">' in page
    done = client.submit(f"/mod/members/{member.username}/sanction", {
        "kind": "warning", "reason": "Off topic.", "thread_id": str(thread.id), "slow_mode_minutes": "5"})
    assert done.status_code == 302
    warning = db.session.scalar(db.select(Sanction))
    assert (warning.kind, warning.thread_id, warning.slow_mode_minutes) == ("warning", None, None)
    assert "one post every" not in client.get(f"/u/{member.username}/standing").text


def test_a_read_only_sanction_hides_the_thread_ban_notice(client, admin, member):
    """A silenced (or suspended, banned) member is not also told "everywhere else is as usual"."""
    heated = make_thread(title="Heated")
    issue(admin, member, kind="thread_ban", thread_id=heated.id)
    client.sign_in(member)
    assert "everywhere else is as usual" in client.get("/").text
    issue(admin, member, kind="silence", days=1)
    page = client.get("/").text
    assert "You can read the forum, but not post" in page
    assert "everywhere else is as usual" not in page
    assert "Heated" in client.get(f"/u/{member.username}/standing").text
