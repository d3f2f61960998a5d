"""Plain functions that make the rows tests need, through the same services the app uses."""

from itertools import count

from forum.auth.service import accounts
from forum.database import write_transaction
from forum.models import Category
from forum.posts import service as posts
from forum.threads import service as threads

PASSWORD = "correct horse battery"
_numbers = count(1)


def make_user(**overrides):
    n = next(_numbers)
    fields = {
        "username": f"reader{n}",
        "display_name": f"Reader {n}",
        "email": f"reader{n}@example.com",
        "password": PASSWORD,
    }
    role = overrides.pop("role", "member")
    fields.update(overrides)
    return accounts.register(accounts.NewAccount(**fields), role=role)


def make_category(**overrides):
    n = next(_numbers)
    fields = {"slug": f"category-{n}", "name": f"Category {n}", "description": "A place to talk."}
    fields.update(overrides)
    with write_transaction() as session:  # a public change, as the admin's would be
        category = Category(**fields)
        session.add(category)
    return category


def make_thread(author=None, category=None, title="A thread to talk in", body="The opening post."):
    return threads.start_thread(author or make_user(), category or make_category(), title, body)


def make_reply(thread, author=None, body="A reply."):
    return posts.add_reply(thread, author or make_user(), body)
