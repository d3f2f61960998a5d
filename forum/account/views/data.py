"""Your data, /settings/data: download a copy of it, or delete your account."""

import json

from flask import flash, make_response, redirect, request, url_for
from flask_login import current_user, login_required, logout_user

from ...extensions import limiter
from ...htmx import is_fragment_request, redirect_fragment, render, uncached
from ...refusals import FieldError, show_on
from ...settings import site_setting
from .. import bp
from .. import service as account
from ..forms import DeleteAccountForm

DATA_PAGE = "account/data.html"


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
    return site_setting("LOGIN_RATE_LIMIT")  # wrong passwords here count like failed sign-ins


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
