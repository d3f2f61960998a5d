"""Admin page: the throwaway-address domains that may register all the same (admins only)."""

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from ...htmx import is_fragment_request, render
from ...policy import admin_required
from ...refusals import FieldError, show_on
from .. import bp
from ..forms import AllowDomainForm
from ..service import domains


def _render(form, status=200):
    return render("admin/domains.html", "domain_manager", status=status, form=form,
                  allowed=domains.allowed_domains(), listed=domains.listed_count())


@bp.get("/domains")
@admin_required
def domains_index():
    """Throwaway-address domains refused at registration, and those allowed."""
    return _render(AllowDomainForm(formdata=None))


@bp.post("/domains")
@admin_required
def allow_domain():
    """Let addresses at a throwaway domain register."""
    form = AllowDomainForm()
    if form.validate():
        try:
            allowed = domains.allow_domain(current_user, form.domain.data, form.reason.data)
        except FieldError as error:
            show_on(form, error)
        else:
            flash(f"Addresses at {allowed.domain} may register.", "success")
            if is_fragment_request():
                return _render(AllowDomainForm(formdata=None), status=201)
            return redirect(url_for("admin.domains_index"))
    return _render(form, status=422)


@bp.post("/domains/<int:allowed_id>/delete")
@admin_required
def disallow_domain(allowed_id):
    """Refuse a throwaway domain again."""
    allowed = domains.get_allowed(allowed_id) or abort(404, "That domain is not allowed.")
    domain = allowed.domain
    domains.disallow_domain(current_user, allowed)
    flash(f"Addresses at {domain} can no longer register.", "success")
    if is_fragment_request():
        return _render(AllowDomainForm(formdata=None))
    return redirect(url_for("admin.domains_index"))
