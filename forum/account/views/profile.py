"""The profile settings page, /settings/profile: the name and how it is shown, the picture, the bio."""

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from ...auth.service import accounts
from ...htmx import is_fragment_request, render
from ...limits import limit_uploads
from ...members.service import avatars
from ...refusals import FieldError, Refusal, show_on
from .. import bp
from .. import service as account
from ..forms import AvatarForm, BioForm, ProfileForm

PROFILE_PAGE = "account/profile.html"


@bp.url_value_preprocessor
def _allow_picture_uploads(endpoint, values):
    """Let an upload through to the form (which says if it is too large) before anything reads it.

    This runs before the CSRF check parses the body; beyond twice the limit the answer is a 413.
    """
    if endpoint == "account.upload_avatar":
        request.max_content_length = 2 * current_app.config["AVATAR_MAX_BYTES"] + 64 * 1024


def _avatar_form(**kwargs) -> AvatarForm:
    """The upload form (kwargs as for any form: formdata=None for an empty one), saying the size limit."""
    form = AvatarForm(**kwargs)
    limit = avatars.readable_size(current_app.config["AVATAR_MAX_BYTES"])
    form.picture.description = f"A PNG, JPEG, GIF or WebP image of at most {limit}. It is cropped to a square."
    return form


def _name_form(formdata=None) -> ProfileForm:
    return ProfileForm(formdata=formdata, display_name=current_user.display_name,
                       name_style=current_user.name_style)


def _profile_page(block=None, status=200, avatar_form=None, bio_form=None, name_form=None):
    if avatar_form is None:
        avatar_form = _avatar_form(formdata=None)
    if bio_form is None:
        bio_form = BioForm(formdata=None, bio=current_user.bio)
    if name_form is None:
        name_form = _name_form()
    avatar_waiting, refused = avatars.upload_state(current_user.id)
    if refused and not avatar_form.picture.errors:  # the job could not read the last upload after all
        avatar_form.picture.errors = [f"Your last upload could not be used. {refused}"]
    return render(PROFILE_PAGE, block, status=status, member=current_user, avatar_form=avatar_form,
                  bio_form=bio_form, profile=name_form, avatar_waiting=avatar_waiting)


@bp.get("/settings/profile")
@login_required
def profile_settings():
    """The member's name and how it is shown, picture and bio."""
    return _profile_page()


@bp.post("/settings/profile")
@login_required
def update_profile():
    """Change the display name and how it is shown."""
    form = ProfileForm()
    if form.validate():
        try:
            accounts.update_profile(current_user, form.display_name.data, form.name_style.data)
        except FieldError as error:
            show_on(form, error)
        else:
            flash("Your name is updated.", "success")
            return redirect(url_for("account.profile_settings"))
    return _profile_page(status=422, name_form=form)


@bp.post("/settings/profile/avatar")
@login_required
@limit_uploads
def upload_avatar():
    """Replace the member's picture with an upload, re-encoded to a small square."""
    form = _avatar_form()
    if form.validate():
        upload = form.picture.data.stream.read(current_app.config["AVATAR_MAX_BYTES"] + 1)
        try:
            in_place = account.set_avatar(current_user, upload)
        except Refusal as error:  # 422 for the picture; 503 when the folder would not take it
            show_on(form, error)
            return _profile_page("avatar_panel", status=error.status, avatar_form=form)
        return _saved("Your picture is updated." if in_place else
                      "Your picture is being prepared: it replaces the old one in a moment.", "avatar_panel")
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
    return redirect(url_for("account.profile_settings"))
