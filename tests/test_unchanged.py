"""Answers kept until the site changes (forum/unchanged.py): kept while the pages_version stays, computed
again after any public change, and never kept under a version older than what they saw."""

from flask import g

from forum import unchanged
from forum.database import write_transaction
from forum.extensions import db
from forum.models import SiteState
from tests.factories import make_user


def counter():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)
    return calls, compute


def test_an_answer_is_kept_while_the_site_is_unchanged(app):
    make_user()  # a change: the site has a version
    calls, compute = counter()
    for _ in range(3):
        with app.test_request_context():
            assert unchanged.while_unchanged(("test", 1), compute) == 1
    assert len(calls) == 1
    with app.test_request_context():  # another key is another answer
        assert unchanged.while_unchanged(("test", 2), compute) == 2


def test_a_public_change_makes_every_kept_answer_stale(app):
    make_user()
    calls, compute = counter()
    with app.test_request_context():
        assert unchanged.while_unchanged("key", compute) == 1
    with app.test_request_context():
        with write_transaction():
            pass  # a public change writes a new version
        assert unchanged.while_unchanged("key", compute) == 2  # the same request sees its own change
    with app.test_request_context():
        assert unchanged.while_unchanged("key", compute) == 2
    assert len(calls) == 2


def test_a_private_change_keeps_them(app):
    make_user()
    calls, compute = counter()
    with app.test_request_context():
        unchanged.while_unchanged("key", compute)
    with app.test_request_context():
        with write_transaction(public=False):
            pass
        unchanged.while_unchanged("key", compute)
    assert len(calls) == 1


def test_the_version_is_read_once_a_request_and_before_the_answer(app):
    make_user()
    with app.test_request_context():
        seen = []
        unchanged.while_unchanged("key", lambda: seen.append(g.pages_version) or 1)
        assert seen == [db.session.get(SiteState, 1).pages_version]


def test_before_the_first_change_answers_are_kept_until_it(app):
    with write_transaction(public=False) as session:  # a database no change has reached yet
        session.query(SiteState).delete()
    calls, compute = counter()
    for _ in range(2):
        with app.test_request_context():
            assert unchanged.while_unchanged("key", compute) == 1
    make_user()  # the first change writes a version
    with app.test_request_context():
        assert unchanged.while_unchanged("key", compute) == 2


def test_the_oldest_answers_go_first(app, monkeypatch):
    monkeypatch.setattr(unchanged, "MAX_ANSWERS", 2)
    make_user()
    calls, compute = counter()
    with app.test_request_context():
        for key in ("a", "b", "a", "c"):  # "b" is the least recently used when "c" arrives
            unchanged.while_unchanged(key, compute)
        assert list(app.extensions["unchanged"].kept) == ["a", "c"]
