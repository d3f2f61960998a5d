"""Admin pages: the overview and members list (staff), roles and registration blocks (admins)."""

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from ... import charts, jobs
from ...htmx import is_fragment_request, render
from ...limits import store_outage
from ...models.base import utcnow
from ...pagination import Page, requested_page
from ...policy import admin_required, may_sanction, staff_required
from ...refusals import FieldError, Refusal, show_on
from ...auth.service.login import fresh_sign_in_required
from .. import bp
from ..service import activity, blocks
from ..service import members as service
from ..service import two_factor
from ..forms import BlockForm, RoleForm, TwoFactorResetForm
from ... import trust


def _per_page(name: str, default: int) -> int:
    return current_app.config.get(name, default)


@bp.before_request
@staff_required
def staff_only():
    """Every admin route is for staff, whatever its own decorator says; some are for admins only."""


@bp.get("")
@staff_required
def index():
    """The overview: open flags, recent sign-ups and sanctions, and the members list (search, filters)."""
    wanted = service.MemberFilter.of(request.args.get("q", ""), request.args.get("role", ""),
                                     request.args.get("standing", ""))
    with_email = current_user.is_admin  # email addresses are private: admins only
    page = requested_page(service.count_members(wanted, with_email), _per_page("ADMIN_MEMBERS_PER_PAGE", 25))
    members = service.members_page(wanted, page, with_email)
    overview = {} if is_fragment_request() else _overview(_chart_days())
    return render("admin/index.html", "member_list", members=members, page=page, wanted=wanted,
                  sanctions=service.sanctions_in_force(members), may_sanction=may_sanction, **overview)


def _chart_days() -> int:
    """The charts' period, ?days=30 (the default) or ?days=90."""
    days = request.args.get("days", str(activity.PERIODS[0]))
    if not days.isdigit() or int(days) not in activity.PERIODS:
        abort(400, "The charts cover the last 30 or 90 days: ?days=30 or ?days=90.")
    return int(days)


def _overview(days: int) -> dict:
    """What the page shows around the members list; the list's fragment needs none of it."""
    return {"activity": activity.activity(days), "periods": activity.PERIODS, "series": activity.SERIES,
            "columns": charts.columns, "bars": charts.bars,
            "flags": service.flag_summary(), "signups": service.recent_signups(),
            "recent_sanctions": service.recent_sanctions(), "now": utcnow(),
            "role_labels": service.ROLE_LABELS, "standings": service.STANDINGS,
            "limit_store_outage": store_outage() if current_user.is_admin else None,
            "jobs": jobs.summary() if current_user.is_admin else None}


def _member(user_id):
    return service.get_member(user_id) or abort(404, "There is no such member.")


def _render_member(member, form=None, status=200, block="role_form", reset_form=None):
    form = form or RoleForm(formdata=None, role=member.role)
    return render("admin/member.html", block, status=status, member=member, form=form,
                  two_factor=two_factor.status(member), reset_form=reset_form or TwoFactorResetForm(formdata=None),
                  trust_level=trust.LEVELS[trust.level_of(member)],
                  invites=service.invites_of(member), invited_by=service.invite_of(member),
                  sanctions=service.sanctions_in_force([member])[member.id],
                  may_sanction=may_sanction(current_user, member), self_role=service.SELF_ROLE)


@bp.get("/members/<int:user_id>")
@staff_required
def member(user_id):
    """One member as staff see them: role, standing, and links to act."""
    member = _member(user_id)
    return _render_member(member, RoleForm(formdata=None, role=member.role))


@bp.post("/members/<int:user_id>/role")
@admin_required
@fresh_sign_in_required
def set_role(user_id):
    """Appoint or remove a moderator or admin."""
    member = _member(user_id)
    form = RoleForm()
    if form.validate():
        try:
            member = service.change_role(current_user, member, form.role.data)
        except Refusal as error:
            show_on(form, error)
            return _render_member(member, form, status=error.status)
        flash(f"@{member.username} is now {service.IS_NOW[member.role]}.", "success")
        if is_fragment_request():
            return _render_member(member, RoleForm(formdata=None, role=member.role))
        return redirect(url_for("admin.member", user_id=member.id))
    return _render_member(member, form, status=422)


@bp.post("/members/<int:user_id>/two-factor/reset")
@admin_required
@fresh_sign_in_required
def reset_two_factor(user_id):
    """Turn off a member's two-factor sign-in (they lost their phone and codes), with a reason."""
    member = _member(user_id)
    form = TwoFactorResetForm()
    if form.validate():
        try:
            two_factor.reset(current_user, member, form.reason.data or "")
        except FieldError as error:
            show_on(form, error)
        except Refusal as error:
            abort(error.status, error.message)
        else:
            flash(f"Two-factor sign-in for @{member.username} is reset: their browsers are signed out and they "
                  "are told by mail.", "success")
            if is_fragment_request():
                return _render_member(member, block="two_factor_panel")
            return redirect(url_for("admin.member", user_id=member.id), 303)
    return _render_member(member, status=422, block="two_factor_panel", reset_form=form)


@bp.get("/blocks")
@admin_required
@fresh_sign_in_required
def blocks_index():
    """Email addresses and IP networks that may not register."""
    page = requested_page(blocks.count_blocks(), _per_page("ADMIN_BLOCKS_PER_PAGE", 50))
    return _render_blocks(BlockForm(formdata=None), page)


def _render_blocks(form, page, status=200):
    return render("admin/blocks.html", "block_manager", status=status, form=form, page=page,
                  blocks=blocks.blocks_page(page), kinds=blocks.KINDS)


def _first_page():
    return Page(number=1, per_page=_per_page("ADMIN_BLOCKS_PER_PAGE", 50), total=blocks.count_blocks())


@bp.post("/blocks")
@admin_required
@fresh_sign_in_required
def add_block():
    """Block an email address or IP network from registering."""
    form = BlockForm()
    if form.validate():
        try:
            block = blocks.add_block(current_user, form.kind.data, form.value.data, form.reason.data,
                                     actor_address=request.remote_addr)
        except FieldError as error:
            show_on(form, error)
        else:
            flash(f"{block.value} can no longer register.", "success")
            if is_fragment_request():
                return _render_blocks(BlockForm(formdata=None), _first_page(), status=201)
            return redirect(url_for("admin.blocks_index"))
    return _render_blocks(form, _first_page(), status=422)


@bp.post("/blocks/<int:block_id>/delete")
@admin_required
@fresh_sign_in_required
def remove_block(block_id):
    """Lift a registration block."""
    block = blocks.get_block(block_id) or abort(404, "There is no such block.")
    value = block.value
    blocks.remove_block(current_user, block)
    flash(f"{value} may register again.", "success")
    if is_fragment_request():
        return _render_blocks(BlockForm(formdata=None), _first_page())
    return redirect(url_for("admin.blocks_index"))
