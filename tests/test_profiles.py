"""Profiles: the page, the generated and uploaded avatars, and the bio."""

import io
import os
import re
import struct
import zlib

import pytest
from PIL import Image

from forum.auth.service import accounts
from forum.extensions import db
from forum.models import User
from forum.posts.service.quoting import quote_markdown
from tests.conftest import HTMX
from tests.factories import make_category, make_reply, make_thread, make_user

UPLOADED = re.compile(r'src="(/avatars/uploads/[0-9]+-[A-Za-z0-9_-]{12}\.webp)"')


@pytest.fixture(autouse=True)
def uploads(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    return tmp_path / "avatars"


def picture(size=(600, 300), fmt="PNG", noisy=False, **save_options) -> bytes:
    if noisy:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (20, 120, 160))
    out = io.BytesIO()
    image.save(out, fmt, **save_options)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size: a decompression bomb's calling card."""
    data = bytearray(picture((1, 1)))
    struct.pack_into(">II", data, 16, width, height)  # IHDR's width and height
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def upload(client, data: bytes, name="me.png", htmx=False):
    return client.submit("/settings/profile/avatar", {"picture": (io.BytesIO(data), name)}, htmx=htmx)


def fresh(user) -> User:
    return db.session.get(User, user.id)


# The generated avatar

def test_the_generated_avatar_escapes_the_initials_and_can_be_cached(client):
    user = make_user(display_name="<Zed> &Co")
    url = f"/avatars/{user.id}.svg"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert ">&lt;&amp;</text>" in response.text and "<Z" not in response.text
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    etag = response.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""

    accounts.update_profile(user, "Rhonda Bird", "short")
    renamed = client.get(url, headers={"If-None-Match": etag})
    assert renamed.status_code == 200 and ">RB</text>" in renamed.text and renamed.headers["ETag"] != etag


def test_the_profile_links_the_generated_avatar_by_id_with_a_version(client):
    user = make_user(display_name="Susan Tran")
    page = client.get(f"/u/{user.username}").text
    match = re.search(rf'src="(/avatars/{user.id}\.svg\?v=[0-9a-f]{{16}})"', page)
    assert match, page
    assert ">ST</text>" in client.get(match.group(1)).text
    assert client.get("/avatars/999999.svg").status_code == 404


# Uploads

@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_an_uploaded_picture_is_reencoded_to_a_small_square_without_metadata(client, uploads, htmx):
    user = make_user()
    client.sign_in(user)
    exif = Image.Exif()
    exif[0x013B] = "Rhonda Bird, at home"  # Artist
    response = upload(client, picture((900, 500), "JPEG", exif=exif.tobytes()), "me.jpg", htmx=htmx)
    if htmx:
        assert response.status_code == 200 and 'id="avatar-panel"' in response.text
        assert "<html" not in response.text and "Your picture is updated." in response.text
        assert "Remove picture" in response.text
    else:
        assert response.status_code == 302 and response.location == "/settings/profile"
    stored = fresh(user).avatar
    assert stored and (uploads / stored).exists()

    url = UPLOADED.search(client.get(f"/u/{user.username}").text).group(1)
    served = client.get(url)
    data = served.data
    served.close()  # the file it streamed from
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert "immutable" in served.headers["Cache-Control"] and "max-age=31536000" in served.headers["Cache-Control"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "WEBP" and image.size == (256, 256)
        assert not image.getexif() and "exif" not in image.info
    assert b"Rhonda" not in data


def test_each_upload_gets_a_new_name_and_the_old_file_goes(client, uploads):
    user = make_user()
    client.sign_in(user)
    upload(client, picture())
    first = fresh(user).avatar
    upload(client, picture((300, 600), "GIF"), "me.gif")
    second = fresh(user).avatar
    assert second != first and (uploads / second).exists() and not (uploads / first).exists()
    assert client.get(f"/avatars/uploads/{first}").status_code == 404


def test_uploads_are_rate_limited_per_member(client, uploads, app):
    app.config["AVATAR_RATE_LIMIT"] = "2 per hour"
    client.sign_in(make_user())
    answers = [upload(client, picture()).status_code for _ in range(3)]
    assert answers == [302, 302, 429]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_remove_picture_goes_back_to_the_initials(client, uploads, htmx):
    user = make_user()
    client.sign_in(user)
    upload(client, picture())
    stored = fresh(user).avatar
    response = client.submit("/settings/profile/avatar/remove", htmx=htmx)
    assert response.status_code == (200 if htmx else 302)
    assert fresh(user).avatar is None and not (uploads / stored).exists()
    assert f"/avatars/{user.id}.svg" in client.get(f"/u/{user.username}").text


@pytest.mark.parametrize("data, name, message", [
    (b"just some text, not a picture", "notes.png", "not a picture we can read"),
    (picture()[:60], "cut.png", "not a picture we can read"),  # a PNG cut short: corrupt
    (picture((60, 40), fmt="BMP"), "old.bmp", "not a picture we can read"),  # a format we do not decode
    (png_claiming(5000, 5000), "big.png", "at most 4096 pixels on each side"),  # over our limit
    (png_claiming(30000, 30000), "bomb.png", "at most 4096 pixels on each side"),  # over Pillow's own
], ids=["text", "truncated", "bmp", "many-pixels", "bomb"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_what_is_not_a_usable_picture_is_refused_beside_the_field(client, uploads, data, name, message, htmx):
    user = make_user()
    client.sign_in(user)
    response = upload(client, data, name, htmx=htmx)
    assert response.status_code == 422
    error = re.search(r'<p class="error" id="avatar-picture-error">([^<]*)</p>', response.text)
    assert error and message in error.group(1)
    assert ("<html" in response.text) is not htmx
    assert fresh(user).avatar is None and not list(uploads.glob("*"))


def test_a_file_over_the_size_limit_is_refused(app, client, uploads):
    app.config["AVATAR_MAX_BYTES"] = 20_000
    user = make_user()
    client.sign_in(user)
    too_big = picture((120, 120), noisy=True)  # about 43 KB: over the limit, under twice it
    assert 20_000 < len(too_big) < 40_000 + 64 * 1024
    response = upload(client, too_big, htmx=True)
    assert response.status_code == 422 and "Pictures may be at most 19 KB" in response.text
    far_too_big = picture((300, 300), noisy=True)  # about 270 KB: refused before it is read
    assert upload(client, far_too_big).status_code == 413
    assert fresh(user).avatar is None and not list(uploads.glob("*"))


def test_uploading_needs_a_file_and_a_signed_in_member(client):
    assert client.get("/settings/profile").status_code == 302
    assert upload(client, picture()).status_code == 302  # to the sign-in page
    client.sign_in(make_user())
    response = client.submit("/settings/profile/avatar", {}, htmx=True, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a picture to upload." in response.text


def test_odd_upload_names_are_not_served(client):
    for name in ("..%2Fsecret_key", "1-abc.webp", "1-aaaaaaaaaaaa.png"):
        assert client.get(f"/avatars/uploads/{name}").status_code == 404


# The bio

@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_the_bio_is_markdown_through_the_posts_sanitiser(client, htmx):
    user = make_user()
    client.sign_in(user)
    bio = "I **like** bridges. <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    response = client.submit("/settings/profile/bio", {"bio": bio}, htmx=htmx)
    if htmx:
        assert response.status_code == 200 and 'id="bio-panel"' in response.text and "Your bio is saved." in response.text
    else:
        assert response.status_code == 302 and response.location == "/settings/profile"
    stored = fresh(user)
    assert stored.bio == bio and "<strong>like</strong>" in stored.bio_html
    page = client.get(f"/u/{user.username}").text
    shown = re.search(r'<div class="bio post-body" data-hx-ignore>(.*?)</div>', page, re.S).group(1)
    assert "<strong>like</strong>" in shown and "&lt;script&gt;" in shown  # shown as text, harmless
    for attack in ("<script", 'href="javascript:', "<img"):
        assert attack not in stored.bio_html and attack not in shown


def test_a_too_long_bio_is_refused_and_kept(client):
    user = make_user()
    client.sign_in(user)
    long_bio = "word " * 120
    response = client.submit("/settings/profile/bio", {"bio": long_bio}, htmx=True)
    assert response.status_code == 422 and "Keep your bio to 500 characters." in response.text
    assert long_bio.strip() in response.text and fresh(user).bio == ""


# The profile page

def test_the_profile_shows_join_date_post_count_and_recent_posts(client):
    member = make_user(display_name="Rhonda Bird", name_style="short")
    thread = make_thread(author=member, title="Bridge vote tonight")
    make_reply(thread, author=member)
    lounge = make_category(members_only=True)
    make_thread(author=member, category=lounge, title="Members talk")
    page = client.get(f"/u/{member.username}")
    assert page.status_code == 200
    text = page.text
    assert "<bdi>Rhonda B.</bdi>" in text and "Rhonda Bird" not in text
    assert re.search(r"joined <time datetime=\"\d{4}-\d\d-\d\dT", text)
    assert "2 posts" in text and "Bridge vote tonight" in text  # the members-only one is not counted
    assert "Members talk" not in text  # members-only, and this is a guest
    assert "Edit your bio and picture" not in text
    assert "img-src 'self' data:;" in page.headers["Content-Security-Policy"]
    client.sign_in(member)
    own = client.get(f"/u/{member.username}").text
    assert "Members talk" in own and "3 posts" in own and "Edit your bio and picture" in own


def test_the_settings_pages_link_each_other(client):
    client.sign_in(make_user())
    settings = client.get("/settings").text
    assert 'href="/settings/profile"' in settings and 'href="/settings/data"' in settings
    page = client.get("/settings/profile")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    assert client.get("/settings/profile", headers=HTMX).status_code == 200


def test_the_name_bio_and_picture_are_one_page_that_a_refused_name_comes_back_to(client):
    """GET and POST /settings/profile are one page: a refused name is shown beside the bio and picture."""
    member = make_user(display_name="Rhonda Bird")
    client.sign_in(member)
    page = client.get("/settings/profile").text
    assert 'name="display_name"' in page and 'value="Rhonda Bird"' in page
    assert 'name="bio"' in page and 'name="picture"' in page
    assert 'name="display_name"' not in client.get("/settings").text  # one place to change a name
    refused = client.submit("/settings/profile", {"display_name": "", "name_style": "full"})
    assert refused.status_code == 422 and "Tell us what to call you." in refused.text
    assert 'name="bio"' in refused.text and 'name="picture"' in refused.text
    done = client.submit("/settings/profile", {"display_name": "Rhonda B. Bird", "name_style": "full"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/settings/profile")
    assert fresh(member).display_name == "Rhonda B. Bird"


def test_recent_posts_show_what_each_post_says_and_when(client):
    """Nine replies in one thread were nine identical rows: each row now has the post's own words
    (not the post it quotes), cut short, and its time."""
    member = make_user()
    thread = make_thread(title="Bridge vote tonight")
    quoted = make_reply(thread, body="Somebody else's words about tolls.")
    make_reply(thread, author=member, body=quote_markdown(quoted) + "I think the **tolls** are fine.")
    make_reply(thread, author=member, body="A long one. " + "word " * 100)
    text = client.get(f"/u/{member.username}").text
    rows = re.findall(r'<li class="thread-row">(.*?)</li>', text, re.S)
    assert len(rows) == 2 and all("Bridge vote tonight" in row for row in rows)
    assert '<p class="recent-post-excerpt">A long one. word word' in rows[0] and "word…</p>" in rows[0]
    assert '<p class="recent-post-excerpt">I think the tolls are fine.</p>' in rows[1]
    assert "about tolls" not in rows[1]
    assert all(re.search(r"<time datetime=", row) for row in rows)
