"""Categories as admins manage them: create, rename, reorder, and make members-only or public again."""

import re
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ...database import write_transaction
from ...extensions import db
from ...models import Category, Thread, User
from ...moderation.service.log import log_action
from ...refusals import FieldError
from ...slugs import slugify

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class CategoryFields:
    """What an admin may set on a category; an empty slug is made from the name."""

    name: str
    slug: str = ""
    description: str = ""
    position: int = 0
    members_only: bool = False

    def cleaned(self) -> "CategoryFields":
        name = self.name.strip()
        if not name:
            raise FieldError("name", "Give the category a name.")
        slug = self.slug.strip().lower() or slugify(name)
        if not SLUG.fullmatch(slug) or len(slug) > 60:
            raise FieldError("slug", "Use lower-case letters, digits and single hyphens, such as "
                                     "“help-and-support” (at most 60).")
        return CategoryFields(name=name, slug=slug, description=self.description.strip(),
                              position=self.position, members_only=self.members_only)


def categories_with_counts() -> list[tuple[Category, int]]:
    """Every category in display order, with how many threads it holds, in one query."""
    counts = (select(Thread.category_id, func.count(Thread.id).label("threads"))
              .group_by(Thread.category_id).subquery())
    query = (select(Category, func.coalesce(counts.c.threads, 0))
             .outerjoin(counts, counts.c.category_id == Category.id)
             .order_by(Category.position, Category.name))
    return [tuple(row) for row in db.session.execute(query)]


def get_category(category_id: int) -> Category | None:
    return db.session.get(Category, category_id)


def create_category(actor: User, fields: CategoryFields) -> Category:
    """Add a category, and log it."""
    fields = fields.cleaned()
    with _slug_race(fields.slug), write_transaction() as session:
        _check_slug_free(session, fields.slug)
        category = Category(name=fields.name, slug=fields.slug, description=fields.description,
                            position=fields.position, members_only=fields.members_only)
        session.add(category)
        session.flush()
        log_action(session, actor, "category:create", "category", category.id,
                   details=f"{category.name} (/c/{category.slug})"
                           f"{', members only' if category.members_only else ''}")
    return category


def update_category(actor: User, category: Category, fields: CategoryFields) -> Category:
    """Change a category; logged, with its own line when it becomes members-only or public again."""
    fields = fields.cleaned()
    with _slug_race(fields.slug), write_transaction() as session:
        current = session.get(Category, category.id, with_for_update=True)
        _check_slug_free(session, fields.slug, but=current.id)
        changes = [f"{name}: {getattr(current, name)!r} to {value!r}" for name, value in asdict(fields).items()
                   if getattr(current, name) != value]
        if not changes:
            return current
        switched = current.members_only != fields.members_only
        for name, value in asdict(fields).items():
            setattr(current, name, value)
        action = ("category:members_only" if current.members_only else "category:public") if switched \
            else "category:edit"
        log_action(session, actor, action, "category", current.id,
                   details=f"{current.name} (/c/{current.slug}): " + "; ".join(changes))
    return current


def _check_slug_free(session, slug: str, but: int | None = None) -> None:
    query = select(Category.name).where(Category.slug == slug)
    if but is not None:
        query = query.where(Category.id != but)
    taken_by = session.scalar(query)
    if taken_by is not None:
        raise FieldError("slug", f"“{taken_by}” has the address /c/{slug} already. Choose another.")


@contextmanager
def _slug_race(slug: str):
    """Two admins saving the same new slug at once: the loser hears so instead of seeing an error page."""
    try:
        yield
    except IntegrityError as error:
        raise FieldError("slug", f"Another category has the address /c/{slug} already. "
                                 "Choose another.") from error
