"""Sanctions, standing pages, appeals and the public moderation log."""

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from ...extensions import db
from ...htmx import render
from ...members.service import profiles as members
from ...messages.service import moderation as message_moderation
from ...models import Appeal, Sanction
from ...policy import may_sanction, staff_required
from ... import trust
from ...refusals import FieldError, Refusal, show_on
from ...auth.service.login import ask_for_password_again, is_fresh
from .. import bp
from ..service import appeals, log, sanctions, trust_levels
from ..forms import AppealForm, DecisionForm, LiftForm, SanctionForm, TrustForm


def _member(username):
    return members.by_username(username) or abort(404, "There is no member with that name.")


def _request_from(form: SanctionForm) -> sanctions.SanctionRequest:
    """What the form asks for, leaving out fields the chosen kind does not use (a page without
    JavaScript shows them all). Removing posts stays, so that asking it of the wrong kind is refused."""
    return sanctions.SanctionRequest(
        kind=form.kind.data, reason=form.reason.data or "", note=form.note.data or "", days=form.used("days"),
        thread_id=form.used("thread_id"), slow_mode_minutes=form.used("slow_mode_minutes"),
        remove_posts=form.remove_posts.data)


def _sanction_page(member, form, preview=None, status=200):
    return render("moderation/sanction.html", "sanction_form", status=status, member=member, form=form,
                  preview=preview, allowed=may_sanction(current_user, member))


@bp.get("/mod/members/<username>/sanction")
@staff_required
def sanction_form(username):
    """The sanction form for a member (a staff member's asks for a recent sign-in); ?thread=<id> (from a
    post's "Sanction author") fills in the thread a "cannot reply in a thread" sanction would name."""
    member = _member(username)
    if member.is_staff and not is_fresh():
        return ask_for_password_again()
    form = SanctionForm()
    if (thread_id := request.args.get("thread", type=int)) and 0 < thread_id:
        form.thread_id.data = thread_id
    return _sanction_page(member, form)


@bp.post("/mod/members/<username>/sanction/preview")
@staff_required
def sanction_preview(username):
    """What the sanction would do, shown before it is issued."""
    member, form = _member(username), SanctionForm()
    if not form.validate():
        return _sanction_page(member, form, status=422)
    try:
        sanctions.validate(current_user, member, _request_from(form))
    except Refusal as error:
        show_on(form, error)
        return _sanction_page(member, form, status=error.status)
    return _sanction_page(member, form, preview=sanctions.preview(current_user, member, _request_from(form)))


@bp.post("/mod/members/<username>/sanction")
@staff_required
def sanction(username):
    """Issue a sanction; it starts at once. On a staff member, only from a recent sign-in."""
    member = _member(username)
    if member.is_staff and not is_fresh():
        return ask_for_password_again()
    form = SanctionForm()
    if not form.validate():
        return _sanction_page(member, form, status=422)
    try:
        sanctions.issue(current_user, member, _request_from(form))
    except Refusal as error:
        show_on(form, error)
        return _sanction_page(member, form, status=error.status)
    flash(f"{member.name_seen_by(current_user)}: {form.kind.data.replace('_', ' ')} issued.", "success")
    return redirect(url_for("moderation.standing", username=member.username))


@bp.post("/mod/sanctions/<int:sanction_id>/lift")
@staff_required
def lift(sanction_id):
    """Lift a sanction early, with a logged reason."""
    sanction = db.session.get(Sanction, sanction_id) or abort(404, "There is no such sanction.")
    if refused := sanctions.lift_refusal(current_user, sanction):
        abort(refused.status, refused.message)
    form = LiftForm()
    if not form.validate():
        abort(422, "Say why the sanction is lifted.")
    sanctions.lift(current_user, sanction, form.reason.data)
    flash("The sanction is lifted.", "success")
    return redirect(url_for("moderation.standing", username=sanction.member.username))


@bp.get("/standing")
@login_required
def my_standing():
    """The signed-in member's own standing page."""
    return redirect(url_for("moderation.standing", username=current_user.username))


@bp.get("/u/<username>/standing")
@login_required
def standing(username):
    """A member's trust level, warnings and sanctions, past and present: for the member and for staff."""
    member = _member(username)
    if member.id != current_user.id and not current_user.is_staff:
        abort(403, "A member's standing is private to them and the forum's staff.")
    return _standing_page(member)


def _standing_page(member, trust_form=None, status=200):
    history, filed = sanctions.history_of(member), appeals.appeals_for(member)
    return render("moderation/standing.html", status=status, member=member, history=history, appeals=filed,
                  issuer_decides={sanction.id for sanction in history
                                  if sanction.id in filed and appeals.issuer_decides(sanction)},
                  decided_by_issuer=appeals.decided_by_issuer, appeal_form=AppealForm(), lift_form=LiftForm(),
                  name=member.name_seen_by(current_user), may_act=may_sanction(current_user, member),
                  progress=trust.progress_of(member), mentions=trust.max_mentions_at(trust.level_of(member)),
                  trust_form=trust_form or TrustForm(formdata=None, level=trust_levels.choice_of(member)),
                  moderator_conversations=message_moderation.from_moderators_about(member)
                  if current_user.is_staff else [])


@bp.post("/u/<username>/trust")
@staff_required
def set_trust(username):
    """Set a member's trust level by hand, or give it back to the rules; logged in the modlog."""
    member = _member(username)
    form = TrustForm()
    try:
        if not form.validate():
            raise FieldError("level", "Choose a level, or automatic.")
        member = trust_levels.set_trust_level(current_user, member, form.level.data, form.reason.data)
    except Refusal as error:
        show_on(form, error)
        return _standing_page(member, trust_form=form, status=error.status)
    how = "set by hand" if member.trust_level_set is not None else "automatic"
    flash(f"@{member.username}'s trust level is now {trust.LEVELS[trust.level_of(member)].name} ({how}).", "success")
    return redirect(url_for("moderation.standing", username=member.username))


@bp.post("/standing/<int:sanction_id>/appeal")
@login_required
def appeal(sanction_id):
    """Appeal one's own sanction (allowed even while suspended)."""
    sanction = db.session.get(Sanction, sanction_id) or abort(404, "There is no such sanction.")
    form = AppealForm()
    try:
        if refused := appeals.appeal_refusal(current_user, sanction):
            raise refused
        if not form.validate():
            raise FieldError("text", "Tell the moderators why the sanction should be lifted.")
        appeals.appeal(current_user, sanction, form.text.data)
    except Refusal as error:
        abort(error.status, error.message)
    if appeals.issuer_decides(sanction):
        flash("Your appeal is sent. This forum has no moderator besides the one who issued the sanction, so "
              "they will decide it, and the decision will say so.", "success")
    else:
        flash("Your appeal is sent. A moderator other than the one who issued the sanction will decide it.",
              "success")
    return redirect(url_for("moderation.standing", username=current_user.username))


@bp.get("/mod/appeals")
@staff_required
def appeal_queue():
    """Appeals waiting for a decision."""
    waiting = appeals.pending()
    refusals = {filed.id: refused.message for filed in waiting
                if (refused := appeals.decision_refusal(current_user, filed))}
    own = {filed.id for filed in waiting
           if filed.id not in refusals and filed.sanction.issued_by_id == current_user.id}
    return render("moderation/appeals.html", appeals=waiting, refusals=refusals, own=own, form=DecisionForm())


@bp.post("/mod/appeals/<int:appeal_id>/decide")
@staff_required
def decide(appeal_id):
    """Lift or uphold a sanction on appeal; the decision and its reason go back to the member."""
    filed = db.session.get(Appeal, appeal_id) or abort(404, "There is no such appeal.")
    if refused := appeals.decision_refusal(current_user, filed):
        abort(refused.status, refused.message)
    form = DecisionForm()
    if not form.validate():
        abort(422, "Choose a decision and give a reason.")
    try:
        appeals.decide(current_user, filed, form.outcome.data, form.reason.data)
    except Refusal as error:
        abort(error.status, error.message)
    flash("The appeal is decided.", "success")
    return redirect(url_for("moderation.appeal_queue"))


@bp.get("/modlog")
def modlog():
    """The public moderation log: what was done, why, when and by which role — nothing private.
    Paged by entry: ?before=N (older than entry N) and ?after=N (newer), links that stay true."""
    page = log.log_page(before=_cursor("before"), after=_cursor("after"))
    return render("moderation/modlog.html", page=page, actions=page.actions)


def _cursor(name: str) -> int | None:
    value = request.args.get(name, "")
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        abort(400, "That is not a place in the moderation log.")
    return int(value)
