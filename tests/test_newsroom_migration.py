"""The migration of articles' settings and editors' picks (eddfff1c2a26) goes down and up again with
posts and articles in the database: plain column drops, never a copy of posts (which many tables refer to)."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from forum import create_app
from forum.extensions import db
from tests.conftest import test_config
from tests.factories import make_category, make_reply, make_user
from tests.test_setup import empty_database  # noqa: F401  (a fixture)

BEFORE = "5e0a1d7c3b92"  # the migration before it


def test_article_settings_and_picks_go_down_and_up_with_data(empty_database):  # noqa: F811
    app = create_app(test_config(empty_database, EMBED_ORIGINS=["https://news.example"], EMBED_CATEGORY="articles"))
    with app.app_context():
        try:
            upgrade()
            from forum.embed import service as embed
            from forum.posts.service import reactions
            make_category(slug="articles", name="Articles")
            make_user(role="admin")
            article = embed.start_article_thread("https://news.example/a", "A story")
            reply = make_reply(article.thread, body="A comment.")
            reactions.react(make_user(), reply, "like")  # a row that refers to the post
            db.session.execute(text("UPDATE articles SET closed = true, close_after_days = 3"))
            db.session.execute(text("UPDATE posts SET featured_at = created_at WHERE id = :id"), {"id": reply.id})
            db.session.commit()
            db.session.remove()

            downgrade(revision=BEFORE)
            assert db.session.execute(text("SELECT count(*) FROM posts")).scalar() == 2
            assert db.session.execute(text("SELECT url FROM articles")).scalar() == "https://news.example/a"
            db.session.remove()

            upgrade()
            assert db.session.execute(text("SELECT closed, premoderated, members_only, close_after_days FROM articles")
                                      ).one() == (False, False, False, None)
            assert db.session.execute(text("SELECT count(featured_at) FROM posts")).scalar() == 0
        finally:
            db.session.remove()
            db.engine.dispose()
