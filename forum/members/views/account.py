"""A member's own settings pages: profile (bio and picture), and their data (export, delete)."""

import json

from flask import current_app, flash, make_response, redirect, request, url_for
from flask_login import current_user, login_required, logout_user

from ...extensions import limiter
from ...htmx import is_fragment_request, redirect_fragment, render, uncached
from ...limits import limit_uploads
from ...refusals import FieldError, Refusal, show_on
from .. import account, avatars, bp
from ..forms import AvatarForm, BioForm, DeleteAccountForm

PROFILE_PAGE = "members/settings_profile.html"
DATA_PAGE = "members/settings_data.html"


@bp.url_value_preprocessor
def _allow_picture_uploads(endpoint, values):
    """Let an upload through to the form (which says if it is too large) before anything reads it.

    This runs before the CSRF check parses the body; beyond twice the limit the answer is a 413.
    """
    if endpoint == "members.upload_avatar":
        request.max_content_length = 2 * current_app.config["AVATAR_MAX_BYTES"] + 64 * 1024


def _avatar_form(**kwargs) -> AvatarForm:
    """The upload form (kwargs as for any form: formdata=None for an empty one), saying the size limit."""
    form = AvatarForm(**kwargs)
    limit = avatars.readable_size(current_app.config["AVATAR_MAX_BYTES"])
    form.picture.description = f"A PNG, JPEG, GIF or WebP image of at most {limit}. It is cropped to a square."
    return form


def _profile_page(block=None, status=200, avatar_form=None, bio_form=None):
    if avatar_form is None:
        avatar_form = _avatar_form(formdata=None)
    if bio_form is None:
        bio_form = BioForm(formdata=None, bio=current_user.bio)
    return render(PROFILE_PAGE, block, status=status, member=current_user, avatar_form=avatar_form,
                  bio_form=bio_form)


@bp.get("/settings/profile")
@login_required
def profile_settings():
    """The member's bio and picture."""
    return _profile_page()


@bp.post("/settings/profile/avatar")
@login_required
@limit_uploads
def upload_avatar():
    """Replace the member's picture with an upload, re-encoded to a small square."""
    form = _avatar_form()
    if form.validate():
        upload = form.picture.data.stream.read(current_app.config["AVATAR_MAX_BYTES"] + 1)
        try:
            account.set_avatar(current_user, upload)
        except Refusal as error:  # 422 for the picture; 503 when the folder would not take it
            show_on(form, error)
            return _profile_page("avatar_panel", status=error.status, avatar_form=form)
        return _saved("Your picture is updated.", "avatar_panel")
    return _profile_page("avatar_panel", status=422, avatar_form=form)


@bp.post("/settings/profile/avatar/remove")
@login_required
def remove_avatar():
    """Go back to the generated initials picture."""
    account.remove_avatar(current_user)
    return _saved("Your picture is removed.", "avatar_panel")


@bp.post("/settings/profile/bio")
@login_required
def update_bio():
    """Save the member's bio."""
    form = BioForm()
    if form.validate():
        try:
            account.update_bio(current_user, form.bio.data or "")
        except FieldError as error:
            show_on(form, error)
        else:
            return _saved("Your bio is saved.", "bio_panel")
    return _profile_page("bio_panel", status=422, bio_form=form)


def _saved(message: str, block: str):
    flash(message, "success")
    if is_fragment_request():
        return _profile_page(block)
    return redirect(url_for("members.profile_settings"))


@bp.get("/settings/data")
@login_required
def data_settings():
    """Download a copy of your data, or delete your account."""
    return render(DATA_PAGE, form=DeleteAccountForm(formdata=None))


@bp.post("/settings/data/export")
@login_required
def export_data():
    """The member's own data as a JSON file to download."""
    body = json.dumps(account.export(current_user), ensure_ascii=False, indent=2)
    response = make_response(body)
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = f'attachment; filename="{current_user.username}-forum-data.json"'
    return uncached(response)


def _delete_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]  # wrong passwords here count like failed sign-ins


def _delete_key() -> str:
    return f"delete-account:{current_user.id if current_user.is_authenticated else request.remote_addr}"


@bp.post("/settings/data/delete")
@login_required
@limiter.limit(_delete_limit, key_func=_delete_key, deduct_when=lambda response: response.status_code == 422)
def delete_account():
    """Delete the member's account after they confirm with their password."""
    form = DeleteAccountForm()
    if form.validate():
        try:
            account.delete_account(current_user, form.password.data, keep_posts=form.posts.data == "keep")
        except FieldError as error:
            show_on(form, error)
        else:
            logout_user()
            flash("Your account is deleted. Thank you for the conversations.", "info")
            home = url_for("threads.index")
            return redirect_fragment(home) if is_fragment_request() else redirect(home)
    return render(DATA_PAGE, "delete_panel", status=422, form=form)
