"""/admin/settings: the site settings an admin changes while the forum runs (forum/settings.py)."""

from flask import flash, redirect, request, url_for
from flask_login import current_user

from ...htmx import is_fragment_request, redirect_fragment, render
from ...policy import admin_required
from ...refusals import show_on
from .. import bp
from ..forms import SettingsForm
from ..service import settings as service


def _form(**kwargs) -> SettingsForm:
    """The form without the settings the environment fixed: the page shows those, and nothing changes them."""
    form = SettingsForm(**kwargs)
    for section in service.shown().values():
        for item in section:
            if item.fixed:
                del form[item.setting.field_name]
    return form


def _render(form, status=200, refused_fixed=()):
    return render("admin/settings.html", "settings_form", status=status, form=form, sections=service.shown(),
                  refused_fixed=refused_fixed)


@bp.get("/settings")
@admin_required
def settings():
    """Every site setting with its value now; those fixed by the environment say so."""
    values = {item.setting.field_name: item.value for section in service.shown().values() for item in section}
    return _render(_form(formdata=None, data=values))


@bp.post("/settings")
@admin_required
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
            if changed:
                flash("Saved: " + ", ".join(setting.label for setting in changed) + ". Every server process uses "
                      "the new values within a second or two.", "success")
            else:
                flash("Nothing changed.", "info")
            # The whole page changes with the settings (the name in the header, the colour): htmx loads it anew.
            if is_fragment_request():
                return redirect_fragment(url_for("admin.settings"))
            return redirect(url_for("admin.settings"))
    return _render(form, status=422, refused_fixed=refused_fixed)
