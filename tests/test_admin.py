"""The admin overview, the members list, roles, and who may reach any of it."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.admin.service import blocks
from forum.admin.service import members as service
from forum.database import write_transaction
from forum.extensions import db
from forum.models import Flag, ModAction, RegistrationBlock, Sanction, User
from forum.models.base import utcnow
from forum.moderation.service import sanctions
from forum.refusals import FieldError, Forbidden
from tests.factories import make_reply, make_thread, make_user


@pytest.fixture
def admin(app):
    return make_user(role="admin", username="boss", display_name="Bea Boss", email="boss@example.com")


def sanction(member, kind="silence", days=3, actor=None, **fields):
    actor = actor or make_user(role="moderator")
    return sanctions.issue(actor, member, sanctions.SanctionRequest(kind=kind, reason=f"A {kind}.", days=days,
                                                                    **fields))


def add_flag(post, flagger, days_ago=0, resolved=False):
    with write_transaction() as session:
        session.add(Flag(post_id=post.id, user_id=flagger.id, reason="spam",
                         created_at=utcnow() - timedelta(days=days_ago), resolved_at=utcnow() if resolved else None))


def role_of(user):
    return db.session.scalar(select(User.role).where(User.id == user.id))


def log_lines(action=None):
    query = select(ModAction).order_by(ModAction.id)
    if action:
        query = query.where(ModAction.action == action)
    return list(db.session.scalars(query))


# The overview


def test_overview_shows_open_flags_signups_sanctions_and_members(admin_client, admin):
    thread = make_thread()
    post = make_reply(thread)
    add_flag(post, make_user(), days_ago=3)
    add_flag(post, make_user())
    add_flag(make_reply(thread), make_user(), resolved=True)
    newcomer = make_user(username="newcomer", display_name="Nina Newcomer")
    sanction(newcomer, "warning", days=None)
    response = admin_client.get("/admin")
    assert response.status_code == 200
    page = response.text
    assert "<strong>2</strong> flags on" in page and "1 post;" in page
    assert "3 days ago" in page  # the oldest open flag
    assert "Nina Newcomer" in page and "@newcomer" in page
    assert "Warning" in page and "A warning." in page and "in force" in page
    assert 'href="/u/newcomer"' in page
    assert 'href="/u/newcomer/standing"' in page
    assert 'href="/mod/members/newcomer/sanction"' in page
    assert '<a href="/mod">The review queue</a>' in page
    assert "newcomer" in page.split('id="member-list"')[1]


def test_overview_with_nothing_to_review(admin_client):
    page = admin_client.get("/admin").text
    assert "No flags are waiting for review." in page
    assert "No sanctions yet." in page


def test_members_list_fragment_is_the_list_alone(admin_client):
    make_user(username="findme")
    response = admin_client.fragment("/admin?q=findme")
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="member-list">')
    assert "@findme" in response.text and "<html" not in response.text
    assert 'id="flash"' in response.text and 'data-hx-swap-oob="true"' in response.text
    assert "HX-Request-Type" in response.headers["Vary"]


def test_search_by_username_name_and_email(admin_client):
    make_user(username="alpha", display_name="Ada Lovelace", email="ada@engine.example")
    make_user(username="beta", display_name="Brian Kernighan", email="bk@unix.example")

    def found(query):
        return admin_client.fragment(f"/admin?q={query}").text

    assert "@alpha" in found("alp") and "@beta" not in found("alp")
    assert "@alpha" in found("LOVELACE") and "@beta" not in found("lovelace")
    assert "@beta" in found("unix.example") and "@alpha" not in found("unix.example")
    assert "No member matches." in found("nobody-like-this")
    assert "No member matches." in found("%25")  # a literal "%", not a wildcard


def test_search_form_works_without_javascript_and_mirrors_htmx(admin_client):
    page = admin_client.get("/admin?q=boss&role=admin").text
    assert 'action="/admin" method="get"' in page and 'data-hx-get="/admin" data-hx-target="#member-list"' in page
    assert 'value="boss"' in page and '<option value="admin" selected>' in page
    assert "1 member found." in page


def test_filter_by_role(admin_client):
    make_user(username="modder", role="moderator")
    make_user(username="plain")
    listed = admin_client.fragment("/admin?role=moderator").text
    assert "@modder" in listed and "@plain" not in listed and "@boss" not in listed
    everyone = admin_client.fragment("/admin?role=nonsense").text  # unknown: any role
    assert "@modder" in everyone and "@plain" in everyone


def test_filter_by_standing_follows_the_sanctions_in_force(admin_client):
    silenced, warned, lifted, expired, clean = (make_user(username=name) for name in
                                                ("silenced", "warned", "lifted", "expired", "clean"))
    sanction(silenced, "silence")
    sanction(warned, "warning", days=None)
    sanctions.lift(make_user(role="moderator"), sanction(lifted, "suspension"), "A mistake.")
    old = sanction(expired, "silence")
    with write_transaction() as session:
        row = session.get(Sanction, old.id)
        row.starts_at, row.ends_at = utcnow() - timedelta(days=10), utcnow() - timedelta(days=1)

    def listed(standing):
        text = admin_client.fragment(f"/admin?standing={standing}").text
        return {name for name in ("silenced", "warned", "lifted", "expired", "clean") if f"@{name}<" in text}

    assert listed("sanctioned") == {"silenced", "warned"}
    assert listed("read_only") == {"silenced"}
    assert listed("good") == {"lifted", "expired", "clean"}
    assert listed("") == {"silenced", "warned", "lifted", "expired", "clean"}


def test_rows_show_each_members_sanctions_in_force(admin_client):
    member = make_user(username="quiet")
    sanction(member, "silence")
    row = admin_client.fragment("/admin?q=quiet").text
    assert "Silenced (read-only) until" in row


def test_members_list_is_one_query_whatever_the_page_holds(app, admin_client, queries):
    def statements_for_list():
        queries.clear()
        admin_client.fragment("/admin?standing=sanctioned&q=e")
        return len(queries)

    for _ in range(2):
        sanction(make_user(), "silence")
    few = statements_for_list()
    for _ in range(6):
        sanction(make_user(), "warning", days=None)
    assert statements_for_list() == few


def test_members_list_paginates_with_real_links_that_keep_the_filters(app, admin_client):
    app.config["ADMIN_MEMBERS_PER_PAGE"] = 2
    for n in range(5):
        make_user(username=f"paged{n}")
    first = admin_client.get("/admin?q=paged").text.split('id="member-list"')[1]  # not the sign-ups
    assert "@paged4" in first and "@paged3" in first and "@paged2" not in first  # newest first
    assert '<a rel="next" href="/admin?page=2&amp;q=paged">' in first
    second = admin_client.fragment("/admin?q=paged&page=2")
    assert second.status_code == 200
    assert "@paged2" in second.text and "@paged4" not in second.text
    assert '<a rel="prev" href="/admin?q=paged">' in second.text
    assert admin_client.get("/admin?q=paged&page=4").status_code == 404


def test_moderators_see_the_overview_read_only_without_email_addresses(client):
    moderator = make_user(role="moderator", username="moddy")
    make_user(username="private", email="private.person@example.com")
    client.sign_in(moderator)
    page = client.get("/admin")
    assert page.status_code == 200
    assert "private.person@example.com" not in page.text
    assert "Registration blocks" not in page.text
    assert "You see this page as a moderator" in page.text
    assert "@private" not in client.fragment("/admin?q=private.person").text  # no search by email either
    assert 'href="/admin"' in page.text  # the header link


def test_moderators_get_no_sanction_link_for_an_admin(client, admin):
    client.sign_in(make_user(role="moderator"))
    row = client.fragment("/admin?q=boss").text
    assert "@boss" in row and "/mod/members/boss/sanction" not in row


def test_members_have_no_admin_link(client):
    client.sign_in(make_user())
    assert 'href="/admin"' not in client.get("/").text


# One member, and their role


def test_member_page_shows_role_standing_and_the_role_form(admin_client):
    member = make_user(username="someone", email="someone@example.com")
    sanction(member, "silence")
    response = admin_client.get(f"/admin/members/{member.id}")
    assert response.status_code == 200
    assert "Role: Member" in response.text and "Silenced (read-only)" in response.text
    assert "someone@example.com" in response.text
    assert f'action="/admin/members/{member.id}/role" method="post"' in response.text
    assert f'data-hx-post="/admin/members/{member.id}/role" data-hx-target="#member-role"' in response.text


def test_member_page_fragment_is_the_role_region(admin_client):
    member = make_user()
    response = admin_client.fragment(f"/admin/members/{member.id}")
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="member-role"')
    assert "HX-Request-Type" in response.headers["Vary"]


def test_member_page_for_a_moderator_has_no_role_form(client):
    member = make_user()
    client.sign_in(make_user(role="moderator"))
    page = client.get(f"/admin/members/{member.id}").text
    assert "Only an admin can change roles." in page and "/role" not in page


def test_unknown_member_is_404_as_page_and_fragment(admin_client):
    assert admin_client.get("/admin/members/999999").status_code == 404
    response = admin_client.fragment("/admin/members/999999")
    assert response.status_code == 404 and response.headers["HX-Reswap"] == "none"
    assert admin_client.submit("/admin/members/999999/role", {"role": "moderator"}).status_code == 404


def test_appoint_a_moderator_as_a_page(admin_client, admin):
    member = make_user(username="helper")
    response = admin_client.submit(f"/admin/members/{member.id}/role", {"role": "moderator"})
    assert response.status_code == 302 and response.location == f"/admin/members/{member.id}"
    assert role_of(member) == "moderator"
    assert "@helper is now a moderator." in admin_client.get(response.location).text
    line = log_lines("role:moderator")[0]
    assert (line.actor_id, line.actor_role, line.target_id) == (admin.id, "admin", member.id)
    assert "member to moderator" in line.details and line.public_reason == ""


def test_remove_a_moderator_as_a_fragment(admin_client):
    moderator = make_user(role="moderator")
    response = admin_client.submit(f"/admin/members/{moderator.id}/role", {"role": "member"}, htmx=True)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="member-role"')
    assert "Role: Member" in response.text
    assert "is now a member." in response.text and 'data-hx-swap-oob="true"' in response.text
    assert "HX-Request-Type" in response.headers["Vary"]
    assert role_of(moderator) == "member"
    assert len(log_lines("role:member")) == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_an_unknown_role_is_422_in_place(admin_client, htmx):
    member = make_user()
    response = admin_client.submit(f"/admin/members/{member.id}/role", {"role": "emperor"}, htmx=htmx)
    assert response.status_code == 422
    assert 'id="role-choice-error"' in response.text
    assert ("<html" in response.text) is not htmx
    assert role_of(member) == "member" and log_lines() == []


# An admin cannot change their own role (tests/test_self_actions.py): another admin steps them down.
def test_an_admin_may_step_another_admin_down(app, admin_client):
    other = make_user(role="admin")
    theirs = app.test_client()
    theirs.sign_in(other)
    response = admin_client.submit(f"/admin/members/{other.id}/role", {"role": "moderator"})
    assert response.status_code == 302
    assert role_of(other) == "moderator"
    assert theirs.get("/admin/blocks").status_code == 403  # at once, on the next request


def test_choosing_the_same_role_changes_and_logs_nothing(admin_client):
    member = make_user()
    assert admin_client.submit(f"/admin/members/{member.id}/role", {"role": "member"}).status_code == 302
    assert log_lines() == []


def test_change_role_service_rules(app, admin):
    moderator, member = make_user(role="moderator"), make_user()
    with pytest.raises(Forbidden, match="Only an admin"):
        service.change_role(moderator, member, "moderator")
    with pytest.raises(FieldError, match="Choose"):
        service.change_role(admin, member, "owner")
    with pytest.raises(FieldError, match="only admin"):
        service.change_role(None, admin, "member")  # the command line, the only way to reach it
    service.change_role(None, member, "admin", via="command line")  # the system itself
    assert log_lines("role:admin")[0].actor_role == "system"
    service.change_role(member, admin, "member")
    assert role_of(admin) == "member"


# Who may reach /admin at all


def admin_urls(app, **values):
    """Every /admin route with its arguments filled in (from `values`, else 1), as (method, url)."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        args = {name: values.get(name, 1) for name in rule.arguments}
        with app.test_request_context():
            url = app.url_for(rule.endpoint, **args)
        found.extend((method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))
    return found


def call(client, method, url, htmx):
    if method == "GET":
        return client.fragment(url) if htmx else client.get(url)
    return client.submit(url, {"role": "admin", "kind": "email", "value": "x@example.com", "reason": "r"},
                         htmx=htmx)


def state(member):
    return (role_of(member), db.session.scalar(select(func.count(RegistrationBlock.id))), len(log_lines()))


def test_the_admin_routes_are_the_ones_these_tests_walk(app):
    urls = admin_urls(app)
    for expected in (("GET", "/admin"), ("GET", "/admin/members/1"), ("POST", "/admin/members/1/role"),
                     ("GET", "/admin/blocks"), ("POST", "/admin/blocks"), ("POST", "/admin/blocks/1/delete")):
        assert expected in urls


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_guests_are_sent_to_sign_in_from_every_admin_route(app, client, htmx):
    member = make_user()
    before = state(member)
    for method, url in admin_urls(app):
        response = call(client, method, url, htmx)
        if htmx:
            assert response.status_code == 401, (method, url)
            assert response.headers["HX-Redirect"].startswith("/login"), (method, url)
        else:
            assert response.status_code == 302, (method, url)
            assert response.location.startswith("/login"), (method, url)
    assert state(member) == before


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_members_are_refused_every_admin_route(app, client, htmx):
    member = make_user()
    client.sign_in(member)
    before = state(member)
    for method, url in admin_urls(app):
        response = call(client, method, url, htmx)
        assert response.status_code == 403, (method, url)
        assert ("<html" in response.text) is not htmx
    assert state(member) == before


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_moderators_may_only_read_the_overview_and_member_pages(app, client, htmx):
    moderator, member = make_user(role="moderator"), make_user()
    block = blocks.add_block(make_user(role="admin"), "email", "kept@example.com", "A reason.")
    client.sign_in(moderator)
    before = state(member)
    readable = {("GET", "/admin"), ("GET", f"/admin/members/{member.id}")}
    for method, url in admin_urls(app, user_id=member.id, block_id=block.id):
        response = call(client, method, url, htmx)
        if (method, url) in readable:
            assert response.status_code == 200, (method, url)
        else:
            assert response.status_code == 403, (method, url)
    assert state(member) == before


def test_the_staff_header_names_the_admin_area_apart_from_an_admin_called_admin(client):
    """The first-run admin is called "Admin": their own link and the admin area's must not both say so."""
    import re
    client.sign_in(make_user(role="admin", username="siteadmin", display_name="Admin"))
    nav = re.search(r'<nav class="account".*?</nav>', client.get("/").text, re.S).group(0)
    links = [re.sub(r"<[^>]+>", "", text).strip() for text in re.findall(r"<a [^>]*>(.*?)</a>", nav, re.S)]
    assert "Admin area" in links and links.count("Admin") == 1
    assert len(links) == len(set(links)), links
    assert '<a href="/admin">Admin area</a>' in nav and "<bdi>Admin</bdi>" in nav
