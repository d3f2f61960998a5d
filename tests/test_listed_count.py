"""How many threads a list shows (policy.listed_count): counted apart from the rule every list, page and
search reads by (policy.readable_by), so it must agree with that rule for every reader and category."""

import pytest
from sqlalchemy import func, select

from forum.database import write_transaction
from forum.extensions import db
from forum.models import Article, Category, Thread
from forum.models.base import utcnow
from forum.policy import listed_count, readable_by
from tests.factories import make_category, make_thread, make_user


def by_the_rule(viewer, category_id=None) -> int:
    query = select(func.count(Thread.id)).where(Thread.removed_at.is_(None), readable_by(viewer))
    if category_id is not None:
        query = query.where(Thread.category_id == category_id)
    return db.session.scalar(query)


def article_for(thread, members_only: bool):
    with write_transaction() as session:
        session.add(Article(url=f"https://news.example/{thread.id}", origin="https://news.example",
                            thread_id=thread.id, title=thread.title, members_only=members_only))


def removed(thread):
    with write_transaction() as session:
        session.get(Thread, thread.id).removed_at = utcnow()


@pytest.fixture()
def forum(app):
    """A public category with plain, removed and article threads (members-only ones, one removed);
    a members-only category with its own, one of them an article's."""
    author = make_user()
    public, private, empty = make_category(), make_category(members_only=True), make_category()
    for n in range(3):
        make_thread(author=author, category=public, title=f"Plain {n}")
    removed(make_thread(author=author, category=public, title="Removed"))
    article_for(make_thread(author=author, category=public, title="Open article"), members_only=False)
    article_for(make_thread(author=author, category=public, title="Members' article"), members_only=True)
    article_for(make_thread(author=author, category=public, title="Another members' article"), members_only=True)
    hidden = make_thread(author=author, category=public, title="Removed members' article")
    article_for(hidden, members_only=True)
    removed(hidden)
    for n in range(2):
        make_thread(author=author, category=private, title=f"Inside {n}")
    article_for(make_thread(author=author, category=private, title="Inside article"), members_only=True)
    return public, private, empty


@pytest.mark.parametrize("kind", ["guest", "member", "staff"])
def test_the_count_agrees_with_the_reading_rule_for_every_reader_and_category(forum, kind):
    from flask_login import AnonymousUserMixin
    viewer = {"guest": AnonymousUserMixin(), "member": make_user(),
              "staff": make_user(role="moderator")}[kind]
    public, private, empty = forum
    for category_id in (None, public.id, private.id, empty.id):
        expected = by_the_rule(viewer, category_id)
        assert db.session.scalar(listed_count(viewer, category_id)) == expected, (kind, category_id)
    # The fixture is what the test says it is: the rule tells the readers apart.
    assert by_the_rule(viewer) == {"guest": 4, "member": 9, "staff": 9}[kind]
    assert by_the_rule(viewer, public.id) == {"guest": 4, "member": 6, "staff": 6}[kind]


def test_a_members_only_category_counts_nothing_for_a_guest_and_its_articles_are_not_taken_twice(forum):
    from flask_login import AnonymousUserMixin
    public, private, _ = forum
    guest = AnonymousUserMixin()
    assert db.session.scalar(listed_count(guest, private.id)) == 0
    with write_transaction() as session:  # the category opens: its members' article stays closed to guests
        session.get(Category, private.id).members_only = False
    assert db.session.scalar(listed_count(guest, private.id)) == 2 == by_the_rule(guest, private.id)
    assert db.session.scalar(listed_count(guest)) == 6 == by_the_rule(guest)
