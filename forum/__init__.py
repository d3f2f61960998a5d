"""The forum: a Flask application factory."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (cleaning, cli, compression, config, database, errors, htmx, ids, jobs, logs, metrics, page_cache,
               pagination, policy, security, settings, templating, timing, unchanged)
from .account import bp as account_bp
from .posts import html_cache
from .admin import bp as admin_bp
from .auth import bp as auth_bp
from .embed import bp as embed_bp
from .extensions import csrf, db, limiter, login_manager, migrate
from .feeds import bp as feeds_bp
from .members import bp as members_bp
from .messages import bp as messages_bp
from .notifications import bp as notifications_bp
from .ops import bp as ops_bp
from .notifications import service as notifications
from .moderation import bp as moderation_bp
from .moderation.service import flags as moderation_flags
from .posts import bp as posts_bp
from .search import bp as search_bp
from .search.service.index import alembic_include_name
from .threads import bp as threads_bp
from .threads.views import reply_form, rows as thread_rows


def create_app(test_config=None):
    """Build the app: configuration, extensions, blueprints, error handlers, CLI."""
    app = Flask(
        __name__,
        instance_path=config.instance_path(),
        template_folder=str(config.bundled("templates")),
        static_folder=str(config.bundled("static")),
    )
    config.load(app, test_config)
    logs.configure(app)  # before anything logs: every line in the configured format, with the request id
    logs.configure_error_reporter(app)
    settings.register(app)  # the site settings admins change while it runs (see forum/settings.py)
    ids.register(app)  # before the blueprints: their <int:…> ids are bounded (forum/ids.py)
    cleaning.register(app)  # no control characters in any text a visitor sends (forum/cleaning.py)
    timing.register(app)  # first in, last out: the header covers every other hook
    page_cache.register(app)  # guests' pages answered from memory (see forum/page_cache.py)
    unchanged.register(app)  # answers every reader shares, kept until the site changes (forum/unchanged.py)
    compression.register(app)  # around the page cache: gzip for what holds no secret (forum/compression.py)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(config.bundled("migrations")), render_as_batch=True,
                    include_name=alembic_include_name)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    database.configure(app)
    templating.configure(app)
    pagination.register(app)  # page links kept per worker (forum/pagination.py)
    html_cache.register(app)  # posts' HTML kept per worker (see forum/posts/html_cache.py)
    thread_rows.register(app)  # thread lists' rows kept per worker (see forum/threads/views/rows.py)
    reply_form.register(app)  # thread pages' reply form kept per worker (see forum/threads/views/reply_form.py)
    htmx.register(app)
    for blueprint in (auth_bp, account_bp, threads_bp, posts_bp, members_bp, notifications_bp, moderation_bp, admin_bp,
                      feeds_bp, search_bp, ops_bp, messages_bp, embed_bp):
        app.register_blueprint(blueprint)
    errors.register(app)
    metrics.register(app)
    jobs.configure(app)  # the job queue: Redis, instance/jobs.sqlite3, or at once (forum/jobs.py)
    app.before_request(policy.guard_writes)
    app.jinja_env.globals.update(sanction_notices=policy.shown_notices,  # globals: no context processor per render
                                 unread_notifications=notifications.unread_summary,
                                 waiting_for_review=moderation_flags.waiting_for_review)
    app.after_request(htmx.add_vary)
    app.after_request(security.add_headers)
    app.cli.add_command(cli.forum)
    if hops := app.config["PROXY_HOPS"]:  # behind reverse proxies: trust their X-Forwarded-For/-Proto
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.wsgi_app = logs.RequestLog(app.wsgi_app, trust_proxy=hops > 0,  # outermost: it logs every answer
                                   structured=app.config["LOG_FORMAT"] == "json", lines=app.config["LOG_REQUESTS"])
    return app
