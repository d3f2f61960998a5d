"""Admins manage categories at /admin/categories: add, edit, reorder, and make members-only."""

import pytest
from sqlalchemy import func, select

from forum.admin.service import categories as service
from forum.extensions import db
from forum.models import Category, ModAction
from forum.refusals import FieldError
from tests.factories import make_category, make_thread, make_user


def category_named(slug):
    return db.session.scalar(select(Category).where(Category.slug == slug))


def category_count():
    return db.session.scalar(select(func.count(Category.id)))


def log_lines(action=None):
    query = select(ModAction).order_by(ModAction.id)
    if action:
        query = query.where(ModAction.action == action)
    return list(db.session.scalars(query))


def form_data(category=None, **changes):
    """The edit form as a browser sends it (an unticked checkbox is not sent at all)."""
    data = {"name": category.name, "slug": category.slug, "description": category.description,
            "position": str(category.position)} if category else {}
    if category and category.members_only:
        data["members_only"] = "y"
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


# The list and adding


def test_the_list_shows_categories_in_order_with_thread_counts(admin_client):
    later = make_category(name="Later", slug="later", position=5)
    first = make_category(name="First", slug="first", position=1, members_only=True)
    make_thread(category=later)
    make_thread(category=later)
    page = admin_client.get("/admin/categories")
    assert page.status_code == 200 and "<html" in page.text
    assert page.text.index("First") < page.text.index("Later")
    row = page.text.split(f'id="category-{first.id}"')[1].split("</li>")[0]
    assert "Members only" in row and "0 threads" in row and f'href="/admin/categories/{first.id}"' in row
    assert "2 threads" in page.text.split(f'id="category-{later.id}"')[1].split("</li>")[0]
    assert 'action="/admin/categories" method="post"' in page.text


def test_the_list_fragment_is_the_manager_alone(admin_client):
    make_category(name="General")
    response = admin_client.fragment("/admin/categories")
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="category-manager">')
    assert "General" in response.text and "<html" not in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_add_a_category_as_a_page(admin_client, admin):
    response = admin_client.submit("/admin/categories", {"name": "  Help & Support ", "description": "Ask here.",
                                                         "position": "3", "members_only": "y"})
    assert response.status_code == 302 and response.location == "/admin/categories"
    category = category_named("help-support")  # the address is made from the name
    assert (category.name, category.description, category.position, category.members_only) == (
        "Help & Support", "Ask here.", 3, True)
    assert "is added" in admin_client.get("/admin/categories").text
    line = log_lines("category:create")[0]
    assert line.actor_id == admin.id and line.target_id == category.id and "members only" in line.details


def test_add_a_category_as_a_fragment(admin_client):
    response = admin_client.submit("/admin/categories", {"name": "News", "slug": "news"}, htmx=True)
    assert response.status_code == 201
    assert response.text.lstrip().startswith('<div id="category-manager">')
    assert "/c/news" in response.text and 'value="News"' not in response.text  # a fresh form
    assert 'data-hx-swap-oob="true"' in response.text and "is added" in response.text
    assert category_named("news").members_only is False


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_an_empty_name_is_422_beside_the_field_and_keeps_the_text(admin_client, htmx):
    response = admin_client.submit("/admin/categories", {"name": "   ", "description": "Kept words."}, htmx=htmx)
    assert response.status_code == 422
    assert ('<html' in response.text) is not htmx
    assert '<p class="error" id="category-name-error">Give the category a name.</p>' in response.text
    assert "Kept words." in response.text
    assert category_count() == 0 and log_lines() == []


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_duplicate_slug_is_422_beside_the_field(admin_client, htmx):
    make_category(name="General", slug="general")
    response = admin_client.submit("/admin/categories", {"name": "General again", "slug": "General"}, htmx=htmx)
    assert response.status_code == 422
    assert 'id="category-slug-error">“General” has the address /c/general already.' in response.text
    assert 'value="General again"' in response.text
    assert category_count() == 1


@pytest.mark.parametrize("slug", ["two  words", "ümlaut", "trailing-", "feed.atom", "a/b"])
def test_an_odd_slug_is_refused(admin_client, slug):
    response = admin_client.submit("/admin/categories", {"name": "Odd", "slug": slug})
    assert response.status_code == 422
    assert 'id="category-slug-error">Use lower-case letters' in response.text
    assert category_count() == 0


def test_a_position_that_is_not_a_number_is_refused(admin_client):
    response = admin_client.submit("/admin/categories", {"name": "Odd", "position": "first"})
    assert response.status_code == 422 and 'id="category-position-error"' in response.text


# Editing


def test_the_edit_page_and_its_fragment(admin_client):
    category = make_category(name="Lounge", slug="lounge", members_only=True)
    page = admin_client.get(f"/admin/categories/{category.id}")
    assert page.status_code == 200 and "Edit “Lounge”" in page.text
    assert 'checked id="category-members-only"' in page.text and 'value="lounge"' in page.text
    fragment = admin_client.fragment(f"/admin/categories/{category.id}")
    assert fragment.text.lstrip().startswith('<form id="category-form"') and "<html" not in fragment.text
    assert admin_client.get("/admin/categories/999999").status_code == 404
    assert admin_client.fragment("/admin/categories/999999").status_code == 404


def test_edit_name_slug_description_and_position_as_a_page(admin_client, admin):
    category = make_category(name="Old name", slug="old", position=2)
    response = admin_client.submit(f"/admin/categories/{category.id}", form_data(
        category, name="New name", slug="new-name", description="Fresh.", position="7"))
    assert response.status_code == 302 and response.location == "/admin/categories"
    db.session.refresh(category)
    assert (category.name, category.slug, category.description, category.position) == (
        "New name", "new-name", "Fresh.", 7)
    line = log_lines("category:edit")[0]
    assert "name: 'Old name' to 'New name'" in line.details and "members_only" not in line.details
    assert admin_client.get("/c/new-name").status_code == 200


def test_edit_as_a_fragment_answers_the_form_with_the_saved_values(admin_client):
    category = make_category(name="Old name")
    response = admin_client.submit(f"/admin/categories/{category.id}", form_data(category, name="Renamed"),
                                   htmx=True)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<form id="category-form"')
    assert 'value="Renamed"' in response.text and "is saved" in response.text


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_edit_to_a_taken_slug_or_no_name_is_422(admin_client, htmx):
    make_category(name="General", slug="general")
    category = make_category(name="Other", slug="other")
    taken = admin_client.submit(f"/admin/categories/{category.id}", form_data(category, slug="general"), htmx=htmx)
    assert taken.status_code == 422 and 'id="category-slug-error">“General” has the address' in taken.text
    nameless = admin_client.submit(f"/admin/categories/{category.id}", form_data(category, name=""), htmx=htmx)
    assert nameless.status_code == 422 and 'id="category-name-error"' in nameless.text
    db.session.refresh(category)
    assert (category.name, category.slug) == ("Other", "other")
    assert log_lines() == []


def test_saving_without_a_change_logs_nothing(admin_client):
    category = make_category()
    assert admin_client.submit(f"/admin/categories/{category.id}", form_data(category)).status_code == 302
    assert log_lines() == []


def test_making_a_category_members_only_hides_it_from_guests_and_back(app, admin_client, admin):
    category = make_category(name="Lounge", slug="lounge")
    make_thread(category=category, title="Coffee plans")
    guest = app.test_client()
    assert "Coffee plans" in guest.get("/").text
    admin_client.submit(f"/admin/categories/{category.id}", form_data(category, members_only="y"))
    assert category_named("lounge").members_only is True
    assert "Coffee plans" not in guest.get("/").text
    assert guest.get("/c/lounge").status_code == 403
    assert "Coffee plans" not in guest.get("/feeds/latest.atom").text
    assert "Coffee plans" in admin_client.get("/").text  # members still read it
    line = log_lines("category:members_only")[0]
    assert line.actor_id == admin.id and "members_only: False to True" in line.details
    assert "category members only" in guest.get("/modlog").text

    category = category_named("lounge")
    admin_client.submit(f"/admin/categories/{category.id}", form_data(category, members_only=None))
    assert "Coffee plans" in guest.get("/").text
    assert log_lines("category:public")


def test_service_rules(admin):
    made = service.create_category(admin, service.CategoryFields(name="Café Crème"))
    assert made.slug == "cafe-creme"
    with pytest.raises(FieldError) as taken:
        service.create_category(admin, service.CategoryFields(name="Again", slug="cafe-creme"))
    assert taken.value.field == "slug"
    with pytest.raises(FieldError) as nameless:
        service.update_category(admin, made, service.CategoryFields(name=" "))
    assert nameless.value.field == "name"


# Who may reach it


def category_urls(category_id):
    """Each route with what an admin gets from it as a page and as an htmx fragment."""
    return [("GET", "/admin/categories", 200, 200), ("POST", "/admin/categories", 302, 201),
            ("GET", f"/admin/categories/{category_id}", 200, 200),
            ("POST", f"/admin/categories/{category_id}", 302, 200)]


def call(client, method, url, htmx, n):
    if method == "GET":
        return client.fragment(url) if htmx else client.get(url)
    return client.submit(url, {"name": "Taken over", "slug": f"taken-over-{n}", "members_only": "y"}, htmx=htmx)


def test_the_walk_covers_every_category_route(app):
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin/categories")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == {("GET", "/admin/categories"), ("POST", "/admin/categories"),
                      ("GET", "/admin/categories/<int:category_id>"), ("POST", "/admin/categories/<int:category_id>")}


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
@pytest.mark.parametrize("role", [None, "member", "moderator", "admin"])
def test_only_admins_may_manage_categories(client, role, htmx):
    category = make_category(name="Kept", slug="kept")
    if role:
        client.sign_in(make_user(role=role))
    for n, (method, url, as_page, as_fragment) in enumerate(category_urls(category.id)):
        response = call(client, method, url, htmx, n)
        if role == "admin":
            assert response.status_code == (as_fragment if htmx else as_page), (method, url)
        elif role is None and htmx:
            assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")
        elif role is None:
            assert response.status_code == 302 and response.location.startswith("/login"), (method, url)
        else:
            assert response.status_code == 403, (method, url)
    changed = category_named("kept") is None
    assert changed is (role == "admin")
    assert (category_count() == 1) is (role != "admin")


def test_only_admins_see_the_link_from_the_overview(client):
    client.sign_in(make_user(role="moderator"))
    assert "/admin/categories" not in client.get("/admin").text
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    client.sign_in(make_user(role="admin"))
    assert 'href="/admin/categories"' in client.get("/admin").text
