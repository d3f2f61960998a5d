"""Images in posts (README "Uploads"): uploading, re-encoding, the reference in Markdown, who may fetch a
file, the limits, and clearing away. The hostile files (polyglots, SVG, bombs, EXIF with GPS, names that
climb out of the folder) are here too: each is refused or made safe, checked on the bytes served."""

import hashlib
import io
import os
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select, update

from forum.account import service as account
from forum.database import write_transaction
from forum.extensions import db
from forum.models import Draft, PostUpload, Upload, User
from forum.models.base import utcnow
from forum.moderation.service.flags import hide_post
from forum.posts import service as posts
from forum.posts.service import uploads
from forum.trust import LEVELS
from tests.conftest import HTMX
from tests.factories import PASSWORD, make_category, make_reply, make_thread, make_user
from tests.test_profiles import png_claiming

# Members count as established at once (their images are shown), unless a test makes one new.
APP_CONFIG = {"NEW_MEMBER_MIN_DAYS": 0, "NEW_MEMBER_MIN_POSTS": 0}
REFERENCE = re.compile(r"!\[([^\]]*)\]\((/uploads/([0-9a-f]{64})\.webp)\)")


@pytest.fixture(autouse=True)
def folder(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    return tmp_path / "images"


def picture(size=(320, 200), fmt="PNG", colour=(20, 120, 160), **save_options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt, **save_options)
    return out.getvalue()


def send(client, data: bytes, name="holiday_photo-1.png", alt=""):
    return client.submit("/uploads", {"image": (io.BytesIO(data), name), "alt": alt},
                         content_type="multipart/form-data")


def uploaded(client, data=None, **kwargs) -> tuple[str, str]:
    """(the Markdown reference, the image's URL) of a successful upload."""
    response = send(client, data or picture(), **kwargs)
    assert response.status_code == 201, response.text
    return response.json["markdown"], response.json["url"]


@pytest.fixture
def member(client):
    user = make_user()
    client.sign_in(user)
    return user


def fetch(client, url, **kwargs):
    """GET an image, closing the file it streamed from."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def as_guest(app):
    return app.test_client()


# Uploading

def test_an_upload_is_stored_under_the_hash_of_its_reencoded_bytes(client, member, folder):
    markdown, url = uploaded(client)
    alt, _, sha256 = REFERENCE.fullmatch(markdown).groups()
    stored = (folder / f"{sha256}.webp").read_bytes()
    assert hashlib.sha256(stored).hexdigest() == sha256
    assert alt == "holiday photo 1"  # the file name's words when no alt text was given
    upload = db.session.scalar(select(Upload))
    assert (upload.owner_id, upload.width, upload.height, upload.size) == (member.id, 320, 200, len(stored))


def test_the_members_alt_text_is_used_and_brackets_cannot_break_out(client, member):
    markdown, _ = uploaded(client, alt="A [cat](javascript:x) on a mat")
    assert markdown.startswith(r"![A \[cat\](javascript:x) on a mat](/uploads/")
    html = posts.render_post(markdown, True).html
    assert 'alt="A [cat](javascript:x) on a mat"' in html and "javascript" not in html.replace('alt="A [cat](javascript', "")


def test_the_same_picture_twice_is_one_file_and_one_row(client, member, folder):
    assert uploaded(client) == uploaded(client)
    assert db.session.query(Upload).count() == 1
    assert len(list(folder.glob("*.webp"))) == 1


def test_guests_cannot_upload_and_a_request_without_its_csrf_token_is_refused(app, client, member):
    assert send(as_guest(app), picture()).status_code in (302, 401)
    forged = client.post("/uploads", data={"image": (io.BytesIO(picture()), "a.png")},
                         content_type="multipart/form-data")
    assert forged.status_code == 400
    assert db.session.query(Upload).count() == 0


@pytest.mark.parametrize("name, data", [
    ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>'),
    ("page.html", b"<!doctype html><script>alert(1)</script>"),
    ("notes.txt", b"just some words"),
    ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40),
    ("drawing.eps", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n"),
])
def test_svg_and_anything_not_a_raster_image_is_refused(client, member, folder, name, data):
    response = send(client, data, name=name)
    assert response.status_code == 422
    assert "not a picture we can read" in response.json["error"]
    assert not folder.exists() or not list(folder.iterdir())


def test_a_decompression_bomb_is_refused_from_its_header(client, member):
    response = send(client, png_claiming(60000, 60000))
    assert response.status_code == 422
    assert "too large" in response.json["error"]


def test_more_pixels_than_the_setting_allows_are_refused(app, client, member):
    app.config["IMAGE_MAX_MEGAPIXELS"] = 1
    assert send(client, picture((1200, 1000))).status_code == 422
    assert send(client, picture((1000, 1000))).status_code == 201


def test_a_file_larger_than_the_setting_is_refused(app, client, member):
    app.config["IMAGE_MAX_KB"] = 50
    noisy = Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3))
    out = io.BytesIO()
    noisy.save(out, "BMP")
    response = send(client, out.getvalue())
    assert response.status_code == 422 and "at most 50 KB" in response.json["error"]


def test_a_gif_that_is_also_a_script_is_served_as_a_clean_webp(app, client, member):
    payload = b"<html><script>alert(document.domain)</script></html>"
    gif = picture((8, 8), "GIF", comment=payload)
    assert payload in gif  # the upload carries the script
    _, url = uploaded(client, gif, name="x.gif.html")
    served = fetch(client, url)
    assert served.mimetype == "image/webp"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert b"script" not in served.data and served.data[:4] == b"RIFF" and served.data[8:12] == b"WEBP"


def test_a_jpeg_with_html_in_its_comment_loses_it(client, member):
    jpeg = picture((16, 16), "JPEG", comment=b"<img src=x onerror=alert(1)>")
    _, url = uploaded(client, jpeg)
    served = fetch(client, url).data
    assert b"onerror" not in served and b"<img" not in served


def test_exif_with_gps_is_stripped_and_the_orientation_applied(client, member):
    image = Image.new("RGB", (300, 100), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° to show upright
    exif[0x010F] = "SecretCam"  # the camera's make
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)})  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    assert b"SecretCam" in out.getvalue()
    _, url = uploaded(client, out.getvalue())
    served = fetch(client, url).data
    assert b"SecretCam" not in served and b"Exif" not in served and b"EXIF" not in served
    with Image.open(io.BytesIO(served)) as clean:
        assert clean.size == (100, 300)  # turned upright
        assert not clean.getexif() and "exif" not in clean.info and "xmp" not in clean.info


def test_a_file_named_to_climb_out_of_the_folder_stays_in_it(client, member, folder, tmp_path):
    markdown, url = uploaded(client, name="../../x.png")
    assert REFERENCE.fullmatch(markdown).group(1) == "x"
    assert [path.parent for path in tmp_path.rglob("*") if path.is_file()] == [folder]
    for climb in ("/uploads/../../x", "/uploads/..%2F..%2Fx", "/uploads/%2e%2e%2f%2e%2e%2fsecret_key",
                  "/uploads/" + "a" * 64 + ".webp/../../x", url.replace(".webp", ".html"), url + "x"):
        assert client.get(climb).status_code == 404, climb


def test_a_wide_image_gets_a_smaller_copy_for_pages_linked_to_the_whole(client, member, folder):
    markdown, url = uploaded(client, picture((3000, 1000)))
    sha256 = REFERENCE.fullmatch(markdown).group(3)
    with Image.open(folder / f"{sha256}-display.webp") as display:
        assert display.size == (uploads.DISPLAY_WIDTH, 467)
    html = posts.render_post(markdown, True).html
    assert f'<a href="{url}" class="image-link" rel="nofollow ugc noopener noreferrer">' in html
    assert f'src="/uploads/{sha256}-display.webp"' in html and 'width="1400" height="467"' in html


def test_uploads_are_rate_limited_per_member(app, client, member):
    app.config["IMAGE_UPLOAD_RATE_LIMIT"] = "2 per hour"
    for colour in ((1, 2, 3), (4, 5, 6)):
        assert send(client, picture(colour=colour)).status_code == 201
    refused = send(client, picture(colour=(7, 8, 9)))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "uploaded as many images" in refused.json["error"]


def test_a_silenced_member_cannot_upload(client, member):
    from forum.moderation.service.sanctions import SanctionRequest, issue
    issue(make_user(role="admin"), db.session.get(User, member.id),
          SanctionRequest(kind="silence", reason="Cool off.", days=1))
    response = send(client, picture())
    assert response.status_code == 403
    assert db.session.query(Upload).count() == 0


# In posts

def test_a_post_shows_its_image_with_size_lazily_and_its_alt_text(client, member):
    markdown, url = uploaded(client, alt="A heron on one leg")
    thread = make_thread(author=member, body="Look:\n\n" + markdown + "\nTaken at dawn.")
    page = client.get(f"/t/{thread.id}", follow_redirects=True).text
    assert (f'<img src="{url}" alt="A heron on one leg" width="320" height="200" loading="lazy" '
            'decoding="async">') in page
    assert "Taken at dawn." in page


def test_an_empty_alt_text_becomes_the_file_names_words(client, member):
    _, url = uploaded(client, name="IMG_2041-beach.jpeg")
    html = posts.render_post(f"![]({url})", True).html
    assert 'alt="IMG 2041 beach"' in html


def test_an_image_from_another_site_is_a_link_never_loaded(client, member):
    html = posts.render_post("![a tracker](https://tracker.example/p.gif) ![local](/static/favicon.svg)", True).html
    assert "<img" not in html
    assert '<a href="https://tracker.example/p.gif" rel="nofollow ugc noopener noreferrer">a tracker</a>' in html
    assert '<a href="/static/favicon.svg"' in html


def test_the_sanitiser_keeps_no_img_but_our_uploads(app):
    from forum.posts.service.render import _cleaner
    sha = "a" * 64
    for src in ("https://tracker.example/p.gif", "/logout", "//evil.example/x.webp", f"/uploads/{sha}.webp?x",
                "data:image/png;base64,AAAA", f"/uploads/{sha}.svg"):
        assert "src=" not in _cleaner.clean(f'<img src="{src}">'), src
    assert f'src="/uploads/{sha}.webp"' in _cleaner.clean(f'<img src="/uploads/{sha}.webp" onerror="x">')


def test_a_new_members_images_are_hidden_like_their_links(app, client, member):
    with write_transaction() as session:
        session.execute(update(User).where(User.id == member.id).values(trust_level_set=0))
    markdown, url = uploaded(client)
    thread = make_thread(author=db.session.get(User, member.id), body=markdown)
    page = as_guest(app).get(f"/t/{thread.id}", follow_redirects=True).text
    assert "image hidden — new member" in page and url not in page
    assert fetch(as_guest(app), url).status_code == 404


def test_images_go_with_links_at_every_trust_level():
    """Posts keep one decision for both (posts.links_allowed), as for mentions: a level showing one and
    hiding the other would need a column of its own."""
    assert all(level.images == level.links for level in LEVELS)


def test_a_post_may_show_only_so_many_images(app, client, member):
    app.config["IMAGES_PER_POST"] = 1
    first, _ = uploaded(client, picture(colour=(1, 1, 1)))
    second, _ = uploaded(client, picture(colour=(2, 2, 2)))
    thread = make_thread(author=member)
    response = client.submit(f"/t/{thread.id}/reply", {"body": first + "\n" + second})
    assert response.status_code == 422
    assert "at most 1 images" in response.text or "at most 1 image" in response.text
    assert second.replace("[", "") in response.text.replace("[", "")  # the text is kept


# Who may fetch a file

def test_before_it_is_posted_only_its_uploader_and_staff_see_an_image(app, client, member):
    _, url = uploaded(client)
    mine = fetch(client, url)
    assert mine.status_code == 200 and mine.headers["Cache-Control"] == "no-store"
    other = app.test_client()
    other.sign_in(make_user())
    assert fetch(other, url).status_code == 404
    assert fetch(as_guest(app), url).status_code == 404
    staff = app.test_client()
    staff.sign_in(make_user(role="moderator"))
    assert fetch(staff, url).status_code == 200


def test_a_posted_image_is_public_cacheable_inline_and_typed(app, client, member):
    markdown, url = uploaded(client)
    make_thread(author=member, body=markdown)
    served = fetch(as_guest(app), url)
    assert served.status_code == 200
    assert served.mimetype == "image/webp"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served.headers["Content-Disposition"] == f'inline; filename="{url.rsplit("/", 1)[1]}"'
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert fetch(as_guest(app), url, headers={"If-None-Match": served.headers["ETag"]}).status_code == 304


def test_a_removed_posts_image_is_not_reachable_by_guests(app, client, member):
    markdown, url = uploaded(client)
    thread = make_thread(author=member)
    post = make_reply(thread, author=member, body=markdown)
    assert fetch(as_guest(app), url).status_code == 200
    posts.delete_post(post, member)
    assert fetch(as_guest(app), url).status_code == 404
    reader = app.test_client()
    reader.sign_in(make_user())
    assert fetch(reader, url).status_code == 404
    staff = app.test_client()
    staff.sign_in(make_user(role="moderator"))
    assert fetch(staff, url).status_code == 200  # staff read removed posts


def test_a_post_hidden_by_a_moderator_hides_its_image(app, client, member):
    markdown, url = uploaded(client)
    post = make_reply(make_thread(author=member), author=member, body=markdown)
    hide_post(make_user(role="moderator"), post, "off-topic")
    assert fetch(as_guest(app), url).status_code == 404


def test_an_image_in_a_members_only_category_is_for_members(app, client, member):
    markdown, url = uploaded(client)
    make_thread(author=member, category=make_category(members_only=True), body=markdown)
    assert fetch(as_guest(app), url).status_code == 404
    reader = app.test_client()
    reader.sign_in(make_user())
    assert fetch(reader, url).status_code == 200
    assert fetch(reader, url).headers["Cache-Control"] == "no-store"


def test_editing_the_image_out_of_a_post_unlinks_it(client, member):
    markdown, _ = uploaded(client)
    post = make_reply(make_thread(author=member), author=member, body=markdown)
    assert db.session.query(PostUpload).count() == 1
    posts.edit_post(post, member, "No picture after all.", post.version)
    assert db.session.query(PostUpload).count() == 0


def test_deleting_an_account_removes_its_images(app, client, member, folder):
    markdown, url = uploaded(client)
    thread = make_thread(author=make_user())
    post = make_reply(thread, author=member, body="My photo:\n\n" + markdown)
    account.delete_account(db.session.get(User, member.id), PASSWORD, keep_posts=True)
    staff = app.test_client()
    staff.sign_in(make_user(role="admin"))
    assert fetch(as_guest(app), url).status_code == 404 and fetch(staff, url).status_code == 404
    assert not list(folder.glob("*.webp"))
    db.session.expire_all()
    assert "image removed" in db.session.get(type(post), post.id).body_html


# Without JavaScript: the file field

def test_a_reply_with_an_attached_image_gets_its_reference_at_the_end(app, client, member):
    thread = make_thread(author=member)
    response = client.submit(f"/t/{thread.id}/reply", {
        "body": "Here it is.", "image": (io.BytesIO(picture()), "garden-shed.png"), "image_alt": "My shed"},
        content_type="multipart/form-data")
    assert response.status_code == 302
    reply = posts.get_post(int(response.headers["Location"].rsplit("p", 1)[-1].strip("-/#")))
    assert REFERENCE.search(reply.body).group(1) == "My shed"
    assert reply.body.startswith("Here it is.\n\n![My shed](/uploads/")
    assert 'alt="My shed"' in reply.body_html


def test_a_new_thread_with_an_attached_image_and_no_words_is_posted(client, member):
    category = make_category()
    response = client.submit("/new", {"category": category.slug, "title": "Just a photo",
                                      "image": (io.BytesIO(picture()), "the_view.png"), "body": ""},
                             content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert 'alt="the view"' in page


def test_a_refused_attachment_keeps_the_text_and_says_why_beside_the_field(client, member):
    thread = make_thread(author=member)
    response = client.submit(f"/t/{thread.id}/reply", {
        "body": "Words I typed.", "image": (io.BytesIO(b"<svg/>"), "x.svg")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Words I typed." in response.text
    assert re.search(r'id="image-error">That file is not a picture we can read', response.text)


def test_preview_attaches_the_image_so_it_can_be_moved_and_captioned(client, member):
    thread = make_thread(author=member)
    response = client.submit(f"/t/{thread.id}/preview", {
        "body": "Before.", "image": (io.BytesIO(picture()), "a.png")}, content_type="multipart/form-data",
        headers=HTMX)
    assert response.status_code == 200
    assert "<img src=\"/uploads/" in response.text


def test_an_edit_with_an_attached_image_gets_its_reference_at_the_end(client, member):
    post = make_reply(make_thread(author=member), author=member, body="Before the photo.")
    response = client.submit(f"/p/{post.id}/edit", {
        "body": "Before the photo.", "version": str(post.version),
        "image": (io.BytesIO(picture()), "garden-shed.png"), "image_alt": "My shed"},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    edited = posts.get_post(post.id)
    assert edited.body.startswith("Before the photo.\n\n![My shed](/uploads/")
    assert 'alt="My shed"' in edited.body_html
    assert db.session.query(PostUpload).filter_by(post_id=post.id).count() == 1  # the image is the post's now


def test_the_edit_preview_attaches_the_image_and_a_refused_one_says_why(client, member):
    post = make_reply(make_thread(author=member), author=member, body="Words I typed.")
    preview = client.submit(f"/p/{post.id}/edit/preview", {
        "body": "Words I typed.", "version": str(post.version), "image": (io.BytesIO(picture()), "a.png")},
        content_type="multipart/form-data")
    assert preview.status_code == 200 and '<img src="/uploads/' in preview.text
    assert REFERENCE.search(preview.text.split("<textarea", 1)[1])  # in the text, to move and caption
    refused = client.submit(f"/p/{post.id}/edit", {
        "body": "Words I typed.", "version": str(post.version), "image": (io.BytesIO(b"<svg/>"), "x.svg")},
        content_type="multipart/form-data", headers=HTMX)
    assert refused.status_code == 422 and "Words I typed." in refused.text
    assert re.search(rf'id="edit-{post.id}-image-error">That file is not a picture we can read', refused.text)
    assert posts.get_post(post.id).body == "Words I typed."


def test_the_edit_form_offers_the_image_field_and_suggestions_beside_the_reply_composer(client, member):
    thread = make_thread(author=member)
    post = make_reply(thread, author=member, body="Mine.")
    form = client.get(f"/p/{post.id}/edit", headers=HTMX).text
    assert 'enctype="multipart/form-data"' in form and 'class="attach-image"' in form
    assert f'id="edit-{post.id}-image"' in form and f'for="edit-{post.id}-image_alt"' in form
    assert f'aria-controls="edit-suggestions-{post.id}"' in form and 'data-emoji-url="/emoji/suggest"' in form
    assert f'<div id="edit-suggestions-{post.id}" class="mention-suggestions">' in form
    page = client.get(f"/p/{post.id}/edit").text  # the form on its own page (no JavaScript)
    assert f'id="edit-{post.id}-image"' in page and 'name="image_alt"' in page


def test_the_new_thread_form_offers_mention_and_emoji_suggestions(client, member):
    page = client.get("/new").text
    assert 'aria-controls="new-thread-suggestions"' in page
    assert 'data-emoji-url="/emoji/suggest"' in page and 'data-suggest-url="/members/suggest"' in page
    assert '<div id="new-thread-suggestions" class="mention-suggestions">' in page


# Clearing away

def test_uploads_no_post_uses_are_cleared_after_a_day(client, member, folder):
    unused_markdown, _ = uploaded(client, picture(colour=(1, 1, 1)))
    used_markdown, _ = uploaded(client, picture(colour=(2, 2, 2)))
    drafted_markdown, _ = uploaded(client, picture(colour=(3, 3, 3)))
    fresh_markdown, _ = uploaded(client, picture(colour=(4, 4, 4)))
    thread = make_thread(author=member, body=used_markdown)
    with write_transaction() as session:
        session.add(Draft(user_id=member.id, thread_id=thread.id, body="soon: " + drafted_markdown))
        fresh = REFERENCE.search(fresh_markdown).group(3)
        session.execute(update(Upload).where(Upload.sha256 != fresh)
                        .values(created_at=utcnow() - timedelta(hours=25)))
    assert uploads.clear_unused() == 1
    left = {REFERENCE.search(m).group(3) for m in (used_markdown, drafted_markdown, fresh_markdown)}
    assert set(db.session.scalars(select(Upload.sha256))) == left
    assert {path.stem for path in folder.glob("*.webp")} == left


def test_the_hourly_clean_up_clears_unused_uploads(client, member):
    from forum import tasks
    uploaded(client)
    with write_transaction() as session:
        session.execute(update(Upload).values(created_at=utcnow() - timedelta(days=2)))
    tasks.clean_up()  # queued, and run at once (JOBS_IMMEDIATE)
    assert db.session.query(Upload).count() == 0


def test_a_form_that_may_carry_an_image_still_bounds_its_text(client, member):
    """Only a multipart body is let past MAX_CONTENT_LENGTH, and its text fields stay within
    MAX_FORM_MEMORY_SIZE: a huge reply is a 413 either way."""
    thread = make_thread(author=member)
    huge = "x" * 300_000
    assert client.submit(f"/t/{thread.id}/reply", {"body": huge}).status_code == 413
    assert client.submit(f"/t/{thread.id}/reply", {"body": huge, "image": (io.BytesIO(b""), "")},
                         content_type="multipart/form-data").status_code == 413
