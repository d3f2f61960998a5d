"""Appeals: a sanctioned member asks for a second look, decided by a moderator who did not issue it."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..database import write_transaction
from ..extensions import db
from ..models import Appeal, Sanction, User
from ..models.base import utcnow
from . import sanctions
from .log import log_action

OUTCOMES = ("lifted", "upheld")


class AppealError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def open_appeal(sanction: Sanction) -> Appeal | None:
    return db.session.scalar(select(Appeal).where(Appeal.sanction_id == sanction.id, Appeal.decided_at.is_(None)))


def appeal(member: User, sanction: Sanction, text: str) -> Appeal:
    """File an appeal against one's own sanction (one open appeal per sanction)."""
    if sanction.user_id != member.id:
        raise AppealError("text", "You can only appeal your own sanctions.")
    if not text.strip():
        raise AppealError("text", "Tell the moderators why the sanction should be lifted.")
    if open_appeal(sanction) is not None:
        raise AppealError("text", "You have already appealed this sanction; a moderator will decide it.")
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


def decide(actor: User, filed: Appeal, outcome: str, reason: str) -> Appeal:
    """Decide an appeal; the moderator who issued the sanction may not decide it."""
    if outcome not in OUTCOMES:
        raise AppealError("outcome", "Choose to lift or uphold the sanction.")
    if not reason.strip():
        raise AppealError("reason", "Give the member the reason for the decision.")
    if filed.sanction.issued_by_id == actor.id:
        raise AppealError("outcome", "Another moderator must decide an appeal against your own sanction.")
    if outcome == "lifted":
        sanctions.lift(actor, filed.sanction, f"Appeal granted: {reason.strip()}")
    with write_transaction() as session:
        current = session.get(Appeal, filed.id, with_for_update=True)
        if current.decided_at is not None:
            return current
        current.decided_at, current.decided_by_id = utcnow(), actor.id
        current.outcome, current.decision_reason = outcome, reason.strip()
        log_action(session, actor, f"appeal:{outcome}", "member", current.sanction.user_id,
                   public_reason=current.decision_reason)
    return current


def appeals_for(member: User) -> dict[int, list[Appeal]]:
    """The member's appeals by sanction id."""
    rows = db.session.scalars(select(Appeal).join(Sanction).where(Sanction.user_id == member.id).order_by(Appeal.id))
    result: dict[int, list[Appeal]] = {}
    for row in rows:
        result.setdefault(row.sanction_id, []).append(row)
    return result
