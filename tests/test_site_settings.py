"""Site settings (forum/settings.py) and /admin/settings: one table of settings, values saved in the
database and read by every worker within a second, FORUM_* variables fixing a value, each change logged."""

import io
import json
import time

import pytest
from PIL import Image
from sqlalchemy import select

from forum import create_app
from forum.database import write_transaction
from forum.extensions import db
from forum.models import Flag, ModAction, SiteSetting
from forum.refusals import FieldError
from forum.settings import BY_NAME, LOGO_FILE, REFRESH_SECONDS, SETTINGS, contrast, site_setting
from tests.conftest import test_config
from tests.factories import make_reply, make_thread, make_user


@pytest.fixture
def admin(app):
    return make_user(role="admin", username="boss")


@pytest.fixture
def admin_client(client, admin):
    client.sign_in(admin)
    return client


def page_values(**changes) -> dict:
    """The whole form as the page fills it in now, with some values changed."""
    values = {setting.field_name: as_typed(site_setting(setting.name)) for setting in SETTINGS if setting.kind != "image"}
    values.update(changes)
    return values


def as_typed(value) -> str:
    """A value as its input shows it: a list (of origins) one item a line."""
    return "\n".join(value) if isinstance(value, list) else str(value)


def save_directly(name, value):
    """A change saved by another worker process: the row, with no word to this one."""
    with write_transaction() as session:
        session.merge(SiteSetting(name=name, value=json.dumps(value)))


# --- The settings layer ------------------------------------------------------------------------

def test_every_setting_has_a_default_in_the_configuration_and_that_default_is_valid(app):
    for setting in SETTINGS:
        assert setting.clean(app.config[setting.name]) == app.config[setting.name], setting.name
        assert setting.label and setting.section


def test_a_setting_with_nothing_saved_is_the_configurations_value(app):
    app.config["FLAG_HIDE_THRESHOLD"] = 7
    assert site_setting("FLAG_HIDE_THRESHOLD") == 7


def test_a_saved_value_wins_over_the_configuration(app):
    save_directly("FLAG_HIDE_THRESHOLD", 9)
    app.extensions["settings"].forget()
    assert site_setting("FLAG_HIDE_THRESHOLD") == 9


def test_a_change_saved_elsewhere_is_read_within_the_refresh_period_not_before(app):
    assert site_setting("SITE_NAME") == "Forum"  # read now: this worker's copy
    save_directly("SITE_NAME", "Harbour")
    assert site_setting("SITE_NAME") == "Forum"  # the copy is kept for up to a second…
    time.sleep(REFRESH_SECONDS + 0.05)
    assert site_setting("SITE_NAME") == "Harbour"  # …and no longer


def test_a_saved_value_no_longer_valid_is_ignored_for_the_configurations(app):
    save_directly("FLAG_HIDE_THRESHOLD", 0)  # below the minimum of 1
    save_directly("UNKNOWN_SETTING", 3)
    app.extensions["settings"].forget()
    assert site_setting("FLAG_HIDE_THRESHOLD") == app.config["FLAG_HIDE_THRESHOLD"]


def test_an_environment_variable_fixes_a_setting_whatever_is_saved(monkeypatch, database_url, _schema):
    monkeypatch.setenv("FORUM_FLAG_HIDE_THRESHOLD", "5")
    app = create_app(test_config(database_url))
    with app.app_context():
        try:
            save_directly("FLAG_HIDE_THRESHOLD", 9)
            app.extensions["settings"].forget()
            assert app.extensions["settings"].fixed("FLAG_HIDE_THRESHOLD")
            assert site_setting("FLAG_HIDE_THRESHOLD") == 5
        finally:
            db.session.execute(SiteSetting.__table__.delete())
            db.session.commit()
            db.session.remove()
            db.engine.dispose()  # this app's own pool, as the app fixture closes its (an open one warns on PostgreSQL)


@pytest.mark.parametrize("name, value, expected", [
    ("FLAG_HIDE_THRESHOLD", " 4 ", 4),
    ("REPLY_RATE_LIMIT", "5/minute;20  per hour", "5/minute; 20 per hour"),
    ("ACCENT_COLOUR", "#0B5CAD", "#0b5cad"),
    ("SITE_DESCRIPTION", "  ", ""),
])
def test_values_are_cleaned(app, name, value, expected):
    assert BY_NAME[name].clean(value) == expected


@pytest.mark.parametrize("name, value, message", [
    ("FLAG_HIDE_THRESHOLD", "0", "from 1 to 100"),
    ("FLAG_HIDE_THRESHOLD", "three", "whole number"),
    ("REPLY_RATE_LIMIT", "lots", "such as “10 per minute”"),
    ("ACCENT_COLOUR", "blue", "six hexadecimal digits"),
    ("ACCENT_COLOUR", "#ffff00", "contrast of 1.1:1"),
    ("SITE_NAME", " ", "Enter the site name"),
    ("REGISTRATION_MODE", "sometimes", "Choose one"),
])
def test_bad_values_are_refused_with_a_message_for_their_field(app, name, value, message):
    with pytest.raises(FieldError) as refused:
        BY_NAME[name].clean(value)
    assert refused.value.field == BY_NAME[name].field_name and message in refused.value.message


def test_contrast_is_the_wcag_ratio():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#0b5cad", "#ffffff"), 1) == 6.7


# --- What the settings change ------------------------------------------------------------------

def test_the_site_name_and_description_show_in_the_header_title_and_meta(client, app):
    save_directly("SITE_NAME", "Harbour Talk")
    save_directly("SITE_DESCRIPTION", "Boats & the people who fix them")
    app.extensions["settings"].forget()
    page = client.get("/").text
    assert "<title>Latest threads · Harbour Talk</title>" in page
    assert '<a class="site-name" href="/">Harbour Talk</a>' in page
    assert '<meta name="description" content="Boats &amp; the people who fix them">' in page
    assert '<p class="lede">Boats &amp; the people who fix them</p>' in page


def test_the_built_in_accent_colour_needs_no_stylesheet_of_its_own(client):
    assert "/site.css" not in client.get("/").text


def test_the_accent_colour_comes_in_a_stylesheet_named_after_it(client, app):
    save_directly("ACCENT_COLOUR", "#7a1f5c")
    app.extensions["settings"].forget()
    page = client.get("/").text
    address = page.split('<link rel="stylesheet" href="/site.css?v=')[1].split('"')[0]
    sheet = client.get(f"/site.css?v={address}")
    assert sheet.status_code == 200 and sheet.mimetype == "text/css"
    assert "--accent: #7a1f5c;" in sheet.text and "max-age=31536000" in sheet.headers["Cache-Control"]


def test_closed_registration_refuses_the_form_and_the_mailed_link(client, app):
    save_directly("REGISTRATION_MODE", "closed")
    app.extensions["settings"].forget()
    assert "Register</a>" not in client.get("/").text
    page = client.get("/register")
    assert page.status_code == 403 and "Registration is closed" in page.text
    sent = client.submit("/register", {"username": "rhonda", "display_name": "R", "name_style": "full",
                                       "email": "rhonda@example.com"})
    assert sent.status_code == 403
    assert client.get("/register/finish/whatever").status_code == 403


def test_the_flag_threshold_is_read_from_the_settings(client, app):
    save_directly("FLAG_HIDE_THRESHOLD", 1)
    app.extensions["settings"].forget()
    post = make_reply(make_thread())
    flagger = make_user()
    client.sign_in(flagger)
    answer = client.submit(f"/p/{post.id}/flag", {"reason": "spam"})
    assert answer.status_code in (200, 201, 302), answer.text
    assert db.session.scalar(select(Flag.id)) is not None
    db.session.refresh(post)
    assert post.removal == "flagged"  # one flag is enough now (the configuration says 3)


def test_a_rate_limit_change_applies_to_the_next_request(client, app):
    save_directly("LOGIN_RATE_LIMIT", "1 per minute")
    app.extensions["settings"].forget()
    make_user(username="someone")
    first = client.submit("/login", {"username": "someone", "password": "wrong password"})
    second = client.submit("/login", {"username": "someone", "password": "wrong password"})
    assert first.status_code == 422 and second.status_code == 429


def test_turning_the_page_cache_off_stops_answering_guests_from_memory(client, app):
    assert client.get("/").headers["X-Page-Cache"] == "miss"
    assert client.get("/").headers["X-Page-Cache"] == "hit"
    save_directly("PAGE_CACHE_SECONDS", 0)
    app.extensions["settings"].forget()
    assert "X-Page-Cache" not in client.get("/").headers


def test_a_settings_change_makes_kept_guest_pages_stale_at_once(client, app):
    assert client.get("/").headers["X-Page-Cache"] == "miss"
    assert client.get("/").headers["X-Page-Cache"] == "hit"
    save_directly("SITE_NAME", "Harbour")  # from another worker: this one's copy is not told
    page = client.get("/")
    assert page.headers["X-Page-Cache"] == "miss" and "· Harbour</title>" in page.text


# --- The page ----------------------------------------------------------------------------------

def test_only_admins_see_the_page(client):
    assert client.get("/admin/settings").status_code == 302  # guests: to sign in
    moderator = make_user(role="moderator")
    client.sign_in(moderator)
    assert client.get("/admin/settings").status_code == 403
    assert client.submit("/admin/settings", page_values(site_name="Mine")).status_code == 403


def test_the_page_shows_every_setting_with_its_value(admin_client):
    page = admin_client.get("/admin/settings")
    assert page.status_code == 200
    for setting in SETTINGS:
        assert setting.label in page.text
    assert 'name="site_name" type="text" value="Forum"' in page.text or 'value="Forum"' in page.text


def test_saving_a_change_applies_it_and_logs_it(admin_client, admin):
    answer = admin_client.submit("/admin/settings", page_values(site_name="Harbour", flag_hide_threshold="2"))
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/settings"
    assert site_setting("SITE_NAME") == "Harbour" and site_setting("FLAG_HIDE_THRESHOLD") == 2
    lines = list(db.session.scalars(select(ModAction).where(ModAction.action == "setting:change")
                                    .order_by(ModAction.id)))
    assert [line.public_reason for line in lines] == ["Site name: Forum → Harbour", "Flags that hide a post: 3 → 2"]
    assert all(line.actor_id == admin.id for line in lines)
    assert "Saved: Site name, Flags that hide a post." in admin_client.get("/admin/settings").text
    assert "Site name: Forum → Harbour" in admin_client.get("/modlog").text


def test_saving_the_same_values_changes_and_logs_nothing(admin_client):
    answer = admin_client.submit("/admin/settings", page_values())
    assert answer.status_code == 302
    assert db.session.scalar(select(ModAction.id)) is None and db.session.scalar(select(SiteSetting.name)) is None


def test_bad_values_come_back_beside_their_fields_with_what_was_typed(admin_client):
    answer = admin_client.submit("/admin/settings", page_values(
        site_name="Harbour", flag_hide_threshold="lots", reply_rate_limit="often", accent_colour="#ffff00"))
    assert answer.status_code == 422
    text = answer.text
    assert 'id="setting-flag-hide-threshold-error">Enter a whole number from 1 to 100.' in text
    assert 'id="setting-reply-rate-limit-error">Write a limit such as' in text
    assert 'id="setting-accent-colour-error">White text on this colour' in text
    assert 'value="lots"' in text and 'value="often"' in text and 'value="Harbour"' in text  # nothing lost
    assert site_setting("SITE_NAME") == "Forum"  # nothing saved while any value is wrong
    assert db.session.scalar(select(ModAction.id)) is None


def test_with_htmx_the_form_is_answered_as_a_fragment(admin_client):
    refused = admin_client.submit("/admin/settings", page_values(flag_hide_threshold="0"), htmx=True)
    assert refused.status_code == 422 and "<html" not in refused.text
    assert refused.text.lstrip().startswith('<form id="settings-form"') or 'id="settings-form"' in refused.text
    saved = admin_client.submit("/admin/settings", page_values(flag_hide_threshold="4"), htmx=True)
    # Saved: the whole page is loaded anew, since the header and the colour may have changed with it.
    assert saved.status_code == 200 and saved.headers["HX-Redirect"] == "/admin/settings"
    assert site_setting("FLAG_HIDE_THRESHOLD") == 4
    assert "Saved: Flags that hide a post." in admin_client.get("/admin/settings").text


def test_a_setting_left_out_of_the_form_is_left_as_it_is(admin_client):
    answer = admin_client.submit("/admin/settings", {"flag_hide_threshold": "5"})
    assert answer.status_code == 302
    assert site_setting("FLAG_HIDE_THRESHOLD") == 5 and site_setting("SITE_NAME") == "Forum"
    emptied = admin_client.submit("/admin/settings", {"site_name": ""})
    assert emptied.status_code == 422 and "Enter the site name." in emptied.text


def test_the_form_needs_a_csrf_token(admin_client):
    answer = admin_client.post("/admin/settings", data=page_values(site_name="Forged"))
    assert answer.status_code == 400 and site_setting("SITE_NAME") == "Forum"


def test_a_setting_fixed_by_the_environment_is_shown_fixed_and_cannot_be_changed(monkeypatch, database_url,
                                                                                   _schema):
    monkeypatch.setenv("FORUM_SITE_NAME", "Fixed Name")
    app = create_app(test_config(database_url))
    from tests.conftest import ForumClient
    app.test_client_class = ForumClient
    with app.app_context():
        try:
            admin = make_user(role="admin")
            client = app.test_client()
            client.sign_in(admin)
            page = client.get("/admin/settings").text
            fixed = page.split('id="setting-site-name"')[1].split("</div>")[0]
            assert "Fixed by <code>FORUM_SITE_NAME</code>" in fixed and "Fixed Name" in fixed
            assert 'name="site_name"' not in page
            values = {name: value for name, value in page_values().items() if name != "site_name"}
            crafted = client.submit("/admin/settings", {**values, "site_name": "Changed"})
            assert crafted.status_code == 422 and "fixed by <code>FORUM_SITE_NAME</code>" in crafted.text
            assert client.submit("/admin/settings", {**values, "flag_hide_threshold": "6"}).status_code == 302
            assert site_setting("FLAG_HIDE_THRESHOLD") == 6 and site_setting("SITE_NAME") == "Fixed Name"
            assert db.session.scalar(select(SiteSetting.name).where(SiteSetting.name == "SITE_NAME")) is None
        finally:
            db.session.remove()
            with db.engine.begin() as connection:
                for table in reversed(db.metadata.sorted_tables):
                    connection.execute(table.delete())
            db.engine.dispose()  # this app's own pool, as the app fixture closes its (an open one warns on PostgreSQL)


def test_the_admin_overview_links_to_the_page(admin_client):
    assert 'href="/admin/settings"' in admin_client.get("/admin").text



# --- The logo ----------------------------------------------------------------------------------

@pytest.fixture
def uploads(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    return tmp_path


def picture(size=(1200, 300), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (120, 30, 90)).save(out, "PNG")
    return out.getvalue()


def upload_logo(client, data, htmx=False):
    return client.submit("/admin/settings/logo", {"logo": (io.BytesIO(data), "logo.png")}, htmx=htmx)


def test_an_uploaded_logo_is_reencoded_to_fit_and_shown_in_the_header(admin_client, uploads):
    answer = upload_logo(admin_client, picture())
    assert answer.status_code == 302, answer.text
    name = site_setting("LOGO")
    assert LOGO_FILE.fullmatch(name)
    with Image.open(uploads / "site" / name) as stored:
        assert stored.format == "WEBP" and stored.size == (384, 96)  # 1200×300 shrunk into 480×96, uncropped
    page = admin_client.get("/").text
    assert f'<img class="site-logo" src="/site/{name}" alt="">Forum</a>' in page
    served = admin_client.get(f"/site/{name}")
    served.close()
    assert served.status_code == 200 and served.mimetype == "image/webp" and "immutable" in served.headers["Cache-Control"]
    line = db.session.scalar(select(ModAction).where(ModAction.action == "setting:change"))
    assert line.public_reason == f"Logo: (none) → {name}"


def test_a_new_logo_replaces_the_old_file_and_removing_it_shows_the_name_alone(admin_client, uploads):
    upload_logo(admin_client, picture())
    first = site_setting("LOGO")
    upload_logo(admin_client, picture((200, 200)))
    second = site_setting("LOGO")
    assert second != first and not (uploads / "site" / first).exists() and (uploads / "site" / second).exists()
    assert admin_client.submit("/admin/settings/logo/remove", {}).status_code == 302
    assert site_setting("LOGO") == "" and not (uploads / "site" / second).exists()
    assert 'class="site-logo"' not in admin_client.get("/").text


def test_a_file_that_is_not_a_picture_is_refused_beside_the_logo_field(admin_client, uploads):
    answer = upload_logo(admin_client, b"%PDF-1.4 not a picture", htmx=True)
    assert answer.status_code == 422 and "<html" not in answer.text
    assert 'id="setting-logo-error">That file is not a picture we can read.' in answer.text
    assert site_setting("LOGO") == "" and db.session.scalar(select(ModAction.id)) is None


def test_a_logo_name_cannot_be_typed_into_the_settings_form(admin_client, uploads):
    answer = admin_client.submit("/admin/settings", {"logo": "../../secret_key"})
    assert answer.status_code == 302 and site_setting("LOGO") == ""  # not a field of that form: ignored
    assert admin_client.get("/site/..%2F..%2Fsecret_key").status_code == 404
