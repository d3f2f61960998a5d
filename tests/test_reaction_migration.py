"""The migration that made likes reactions keeps every like, both ways (3c9d2e7a41f8)."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from forum import create_app
from forum.extensions import db
from forum.models import Post
from forum.posts.service import reactions
from tests.conftest import test_config
from tests.factories import make_reply, make_thread, make_user
from tests.test_setup import empty_database  # noqa: F401  (a fixture)

BEFORE = "c82499ddfc56"  # the migration before it


def rows(sql):
    return sorted(tuple(row) for row in db.session.execute(text(sql)))


def test_likes_become_reactions_and_back_with_their_counts(empty_database):  # noqa: F811
    app = create_app(test_config(empty_database))
    with app.app_context():
        try:
            upgrade()
            thread = make_thread(body="opening")
            reply = make_reply(thread, body="a reply")
            opening = db.session.get(Post, reply.id - 1)
            fans = [make_user() for _ in range(3)]
            reactions.react(fans[0], reply, "like")
            reactions.react(fans[1], reply, "😂")
            reactions.react(fans[2], opening, "like")
            first, second, (one, two, three) = opening.id, reply.id, [fan.id for fan in fans]
            db.session.remove()

            downgrade(revision=BEFORE)  # every reaction goes back as a like: no member loses theirs
            assert rows("SELECT post_id, user_id FROM post_likes") == sorted([(second, one), (second, two), (first, three)])
            assert rows("SELECT id, like_count FROM posts") == [(first, 1), (second, 2)]
            db.session.remove()

            upgrade()  # and forward again: each like a reaction of kind "like", counted as before
            assert rows("SELECT post_id, user_id, kind FROM post_reactions") == sorted(
                [(second, one, "like"), (second, two, "like"), (first, three, "like")])
            assert rows("SELECT id, reaction_count FROM posts") == [(first, 1), (second, 2)]
        finally:
            db.session.remove()
            db.engine.dispose()
