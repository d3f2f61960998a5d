"""Appeals: a sanctioned member asks for a second look, decided by a moderator who neither issued the
sanction nor is under it. On a forum with nobody else who could decide it (one admin, say), the issuer
decides, and the decision says so to the member and in the public log."""

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from ...database import write_transaction
from ...extensions import db
from ...models import Appeal, Sanction, User
from ...models.base import utcnow
from ...policy import may_sanction
from ...refusals import Conflict, FieldError, Forbidden, Refusal
from . import sanctions
from .log import log_action

OUTCOMES = ("lifted", "upheld")


def appeal_refusal(member: User, sanction: Sanction) -> Refusal | None:
    """Why `member` may not appeal `sanction`, or None: only their own, in force, not a warning, once."""
    if sanction.user_id != member.id:
        return Forbidden("You can only appeal your own sanctions.", field="text")
    if sanction.kind == "warning":
        # A warning restricts nothing and ends on its own; appeals are for what stops a member.
        return Forbidden("A warning cannot be appealed: it limits nothing and ends on its own.", field="text")
    if not sanction.is_active(utcnow()):
        return Conflict("This sanction is no longer in force, so there is nothing to appeal.", field="text")
    earlier = db.session.scalar(select(Appeal).where(Appeal.sanction_id == sanction.id).order_by(Appeal.id.desc()))
    if earlier is not None and earlier.decided_at is None:
        return Refusal("You have already appealed this sanction; a moderator will decide it.", field="text")
    if earlier is not None:
        return Conflict("Your appeal of this sanction has been decided; it cannot be appealed again.",
                        field="text")
    return None


def appeal(member: User, sanction: Sanction, text: str) -> Appeal:
    """File an appeal against one's own sanction in force (one appeal per sanction)."""
    if refused := appeal_refusal(member, sanction):
        raise refused
    if not text.strip():
        raise FieldError("text", "Tell the moderators why the sanction should be lifted.")
    with write_transaction() as session:
        filed = Appeal(sanction_id=sanction.id, text=text.strip())
        session.add(filed)
    return filed


def pending() -> list[Appeal]:
    """Appeals waiting for a decision, oldest first, with their sanctions and members."""
    query = (select(Appeal).where(Appeal.decided_at.is_(None))
             .options(joinedload(Appeal.sanction).joinedload(Sanction.member),
                      joinedload(Appeal.sanction).joinedload(Sanction.issued_by))
             .order_by(Appeal.id))
    return list(db.session.scalars(query))


def someone_else_could_decide(sanction: Sanction) -> bool:
    """Whether any staff account besides the issuer and the member could decide an appeal of
    `sanction` (only an admin decides one against an admin)."""
    roles = ("admin",) if sanction.member.role == "admin" else ("moderator", "admin")
    return db.session.scalar(select(exists().where(
        User.role.in_(roles), User.deleted_at.is_(None),
        User.id.not_in([sanction.user_id, sanction.issued_by_id or 0]))))


def issuer_decides(sanction: Sanction) -> bool:
    """The one exception to "another moderator decides": nobody else could, so the issuer does."""
    return sanction.issued_by_id is not None and not someone_else_could_decide(sanction)


def decided_by_issuer(filed: Appeal) -> bool:
    return filed.decided_by_id is not None and filed.decided_by_id == filed.sanction.issued_by_id


def decision_refusal(actor: User, filed: Appeal) -> Refusal | None:
    """Why `actor` may not decide `filed`, or None: not the member under the sanction, not the one who
    issued it unless nobody else could, and only staff who could have issued it (a moderator does not
    decide an admin's)."""
    sanction = filed.sanction
    if sanction.user_id == actor.id:
        return Forbidden("Nobody decides an appeal against a sanction on themselves: another moderator will.",
                         field="outcome")
    if sanction.issued_by_id == actor.id and someone_else_could_decide(sanction):
        return Forbidden("You issued this sanction, so another moderator decides the appeal.", field="outcome")
    if not may_sanction(actor, sanction.member):
        return Forbidden("Only an admin can decide an appeal against an admin's sanction.", field="outcome")
    return None


def decide(actor: User, filed: Appeal, outcome: str, reason: str) -> Appeal:
    """Decide an appeal, as someone with no part in it (see decision_refusal)."""
    if refused := decision_refusal(actor, filed):
        raise refused
    if outcome not in OUTCOMES:
        raise FieldError("outcome", "Choose to lift or uphold the sanction.")
    if not reason.strip():
        raise FieldError("reason", "Give the member the reason for the decision.")
    by_issuer = filed.sanction.issued_by_id == actor.id  # allowed only when nobody else could decide
    if outcome == "lifted":
        granted = "Appeal granted by the moderator who issued it (no other could decide)" if by_issuer \
            else "Appeal granted"
        # the appeal's row below is the log's one entry for it: a second "lift" row read as another event
        sanctions.lift(actor, filed.sanction, f"{granted}: {reason.strip()}", logged=False)
    with write_transaction() as session:
        current = session.get(Appeal, filed.id, with_for_update=True)
        if current.decided_at is not None:
            return current
        current.decided_at, current.decided_by_id = utcnow(), actor.id
        current.outcome, current.decision_reason = outcome, reason.strip()
        action = f"appeal:{outcome}_by_issuer" if by_issuer else f"appeal:{outcome}"
        log_action(session, actor, action, "member", current.sanction.user_id,
                   public_reason=current.decision_reason)
    return current


def appeals_for(member: User) -> dict[int, list[Appeal]]:
    """The member's appeals by sanction id."""
    rows = db.session.scalars(select(Appeal).join(Sanction).where(Sanction.user_id == member.id).order_by(Appeal.id))
    result: dict[int, list[Appeal]] = {}
    for row in rows:
        result.setdefault(row.sanction_id, []).append(row)
    return result
