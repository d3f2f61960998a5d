"""Members as staff see them: search and standing, the overview, and roles."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import joinedload

from ...auth.service.invites import invite_of, invites_of  # noqa: F401  (the member page shows them)
from ...database import write_transaction
from ...extensions import db
from ...models import Flag, Sanction, User
from ...models.base import utcnow
from ...models.moderation import READ_ONLY_KINDS
from ...models.user import ROLES
from ...moderation.service.log import log_action
from ...policy import in_force
from ...refusals import FieldError, Forbidden

SELF_ROLE = "Nobody changes their own role: another admin can."
ROLE_LABELS = {"member": "Member", "moderator": "Moderator", "admin": "Admin"}
IS_NOW = {"member": "a member", "moderator": "a moderator", "admin": "an admin"}  # "@x is now …"
STANDINGS = {
    "good": "In good standing",
    "sanctioned": "Under any sanction now",
    "read_only": "Silenced, suspended or banned now",
}


@dataclass(frozen=True)
class MemberFilter:
    """What the members list shows: a search and two filters; unknown values mean "any"."""

    query: str = ""
    role: str = ""
    standing: str = ""

    @classmethod
    def of(cls, query: str = "", role: str = "", standing: str = "") -> "MemberFilter":
        return cls(query=query.strip()[:100], role=role if role in ROLES else "",
                   standing=standing if standing in STANDINGS else "")

    @property
    def is_empty(self) -> bool:
        return not (self.query or self.role or self.standing)


def _filtered(query, wanted: MemberFilter, with_email: bool):
    """Add the filter's conditions to a query over users; one statement, whatever the filter."""
    if wanted.query:
        text = wanted.query.lower()
        fields = [User.username, func.lower(User.display_name)] + ([User.email] if with_email else [])
        query = query.where(or_(*(field.contains(text, autoescape=True) for field in fields)))
    if wanted.role:
        query = query.where(User.role == wanted.role)
    if wanted.standing:
        sanctioned = exists().where(Sanction.user_id == User.id, in_force(utcnow()))
        if wanted.standing == "read_only":
            sanctioned = sanctioned.where(Sanction.kind.in_(READ_ONLY_KINDS))
        query = query.where(~sanctioned if wanted.standing == "good" else sanctioned)
    return query


def count_members(wanted: MemberFilter, with_email: bool) -> int:
    return db.session.scalar(_filtered(select(func.count(User.id)), wanted, with_email))


def members_page(wanted: MemberFilter, page, with_email: bool) -> list[User]:
    """One page of the members the filter matches, newest first."""
    query = _filtered(select(User), wanted, with_email).order_by(User.id.desc())
    return list(db.session.scalars(query.offset(page.offset).limit(page.per_page)))


def sanctions_in_force(members: list[User]) -> dict[int, list[Sanction]]:
    """The sanctions in force for each of `members`, in one query."""
    found: dict[int, list[Sanction]] = {member.id: [] for member in members}
    if found:
        query = select(Sanction).where(Sanction.user_id.in_(list(found)), in_force(utcnow())).order_by(Sanction.id)
        for sanction in db.session.scalars(query):
            found[sanction.user_id].append(sanction)
    return found


@dataclass(frozen=True)
class FlagSummary:
    open_flags: int
    flagged_posts: int
    oldest: datetime | None


def flag_summary() -> FlagSummary:
    """How many flags wait for review, on how many posts, and since when."""
    row = db.session.execute(select(func.count(Flag.id), func.count(func.distinct(Flag.post_id)),
                                    func.min(Flag.created_at)).where(Flag.resolved_at.is_(None))).one()
    return FlagSummary(*row)


def recent_signups(limit: int = 8) -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.id.desc()).limit(limit)))


def recent_sanctions(limit: int = 10) -> list[Sanction]:
    """The latest sanctions, with the member and the issuer loaded."""
    query = (select(Sanction).options(joinedload(Sanction.member), joinedload(Sanction.issued_by))
             .order_by(Sanction.id.desc()).limit(limit))
    return list(db.session.scalars(query))


def get_member(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def first_admin(but: User | None = None) -> User | None:
    """The oldest admin account other than `but`: the actor for what is done from the command line,
    never the member acted on, so the log does not show anyone acting on themselves."""
    query = select(User).where(User.role == "admin").order_by(User.id)
    if but is not None:
        query = query.where(User.id != but.id)
    return db.session.scalar(query.limit(1))


def change_role(actor: User | None, member: User, role: str, via: str = "") -> User:
    """Make `member` a member, moderator or admin; only admins may, and one admin always remains.

    `actor` None is the system itself (the command line on a forum without an admin yet).
    """
    if role not in ROLES:
        raise FieldError("role", "Choose member, moderator or admin.")
    if actor is not None and not actor.is_admin:
        raise Forbidden("Only an admin can change roles.", field="role")
    if actor is not None and actor.id == member.id:
        # An admin who steps down, or a moderator who makes themselves admin, needs a second admin.
        raise Forbidden(SELF_ROLE, field="role")
    with write_transaction() as session:
        target = session.get(User, member.id, with_for_update=True)
        old = target.role
        if old == role:
            return target
        if old == "admin":
            # Lock every admin row, so two admins demoting each other cannot leave none.
            admins = session.scalars(select(User.id).where(User.role == "admin").with_for_update()).all()
            if len(admins) <= 1:
                raise FieldError("role", "This is the forum's only admin. Make someone else an admin first.")
        target.role = role
        via_text = f" (from the {via})" if via else ""
        log_action(session, actor, f"role:{role}", "member", target.id,
                   details=f"{target.username}: {old} to {role}{via_text}")
    return target

