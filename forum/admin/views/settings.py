"""/admin/settings: the site settings an admin changes while the forum runs (forum/settings.py)."""

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from ...htmx import is_fragment_request, redirect_fragment, render
from ...policy import admin_required
from ...refusals import Refusal, show_on
from ...auth.service.login import fresh_sign_in_required
from .. import bp
from ..forms import LogoForm, SettingsForm
from ..service import settings as service


def _form(**kwargs) -> SettingsForm:
    """The form without the settings the environment fixed: the page shows those, and nothing changes them."""
    form = SettingsForm(**kwargs)
    for section in service.shown().values():
        for item in section:
            if item.fixed and item.setting.field_name in form:
                del form[item.setting.field_name]
    return form


@bp.url_value_preprocessor
def _allow_logo_uploads(endpoint, values):
    """Let a logo through to its form (which says if it is too large), as for avatars (account/views/profile.py)."""
    if endpoint == "admin.upload_logo":
        request.max_content_length = 2 * current_app.config["AVATAR_MAX_BYTES"] + 64 * 1024


def _render(form=None, status=200, refused_fixed=(), block="settings_form", logo_form=None):
    if form is None:
        values = {item.setting.field_name: item.setting.form_value(item.value) for section in service.shown().values() for item in section}
        form = _form(formdata=None, data=values)
    return render("admin/settings.html", block, status=status, form=form, sections=service.shown(),
                  refused_fixed=refused_fixed, logo_form=logo_form or LogoForm(formdata=None))


def _saved(message: str):
    """After a change: the whole page anew (htmx too), since its header and colour may have changed."""
    flash(message, "success")
    if is_fragment_request():
        return redirect_fragment(url_for("admin.settings"))
    return redirect(url_for("admin.settings"))


@bp.get("/settings")
@admin_required
@fresh_sign_in_required
def settings():
    """Every site setting with its value now; those fixed by the environment say so."""
    return _render()


@bp.post("/settings")
@admin_required
@fresh_sign_in_required
def update_settings():
    """Save the settings that changed; each bad value comes back with its message beside it (422)."""
    form = _form()
    # A fixed setting's input is not on the page: one sent anyway is refused, not quietly dropped.
    refused_fixed = [item for section in service.shown().values() for item in section
                     if item.fixed and item.setting.field_name in request.form]
    if form.validate() and not refused_fixed:
        cleaned, refusals = service.clean(form.submitted(request.form))
        for refusal in refusals:
            show_on(form, refusal)
        if not refusals:
            changed = service.save(current_user, cleaned)
            if not changed:
                flash("Nothing changed.", "info")
                return redirect_fragment(url_for("admin.settings")) if is_fragment_request() \
                    else redirect(url_for("admin.settings"))
            return _saved("Saved: " + ", ".join(setting.label for setting in changed) + ". Every server process "
                          "uses the new values within a second or two.")
    return _render(form, status=422, refused_fixed=refused_fixed)


@bp.post("/settings/logo")
@admin_required
@fresh_sign_in_required
def upload_logo():
    """Make an uploaded picture the logo, re-encoded as avatars are."""
    form = LogoForm()
    if form.validate():
        upload = form.logo.data.stream.read(current_app.config["AVATAR_MAX_BYTES"] + 1)
        try:
            service.set_logo(current_user, upload)
        except Refusal as error:  # 422 for the picture; 503 when the folder would not take it
            show_on(form, error)
            return _render(block="logo_panel", status=error.status, logo_form=form)
        return _saved("Saved: Logo. Every server process shows it within a second or two.")
    return _render(block="logo_panel", status=422, logo_form=form)


@bp.post("/settings/logo/remove")
@admin_required
@fresh_sign_in_required
def remove_logo():
    """Show the site's name alone again."""
    try:
        service.remove_logo(current_user)
    except Refusal as error:
        abort(error.status, error.message)
    return _saved("The logo is removed.")
