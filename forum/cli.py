"""The `flask forum …` command group."""

import secrets

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from .auth import service as accounts
from .extensions import db
from .models import Post, Thread, User


@click.group()
def forum():
    """Forum administration commands."""


@forum.command("create-admin")
@click.argument("username")
@click.option("--email", required=True)
@click.option("--display-name", default=None)
@with_appcontext
def create_admin(username, email, display_name):
    """Create an admin account with a generated password, printed once."""
    password = secrets.token_urlsafe(12)
    account = accounts.NewAccount(username, display_name or username, email, password)
    try:
        accounts.register(account, role="admin", allow_reserved=True)
    except accounts.AccountError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Admin account created: {username} / password: {password}")
    click.echo("This password is shown only once. Change it at /settings after signing in.")


@forum.command("first-run")
@with_appcontext
def first_run():
    """On an empty forum: create the admin account (printing its password once) and the demo content."""
    if db.session.scalar(select(func.count(User.id)).where(User.role == "admin")) == 0:
        password = secrets.token_urlsafe(12)
        accounts.register(accounts.NewAccount("admin", "Admin", "admin@forum.invalid", password),
                          role="admin", allow_reserved=True)
        click.echo("=" * 64)
        click.echo(f"  Admin account created. Username: admin   Password: {password}")
        click.echo("  This password is shown only once. Change it at /settings.")
        click.echo("=" * 64)
    if db.session.scalar(select(func.count(Thread.id))) == 0:
        from .demo import seed_demo

        click.echo(f"Demo content loaded: {seed_demo()}.")


@forum.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Fill the forum with the project's demo categories, members, threads and replies."""
    from .demo import seed_demo

    summary = seed_demo()
    click.echo(f"Demo content loaded: {summary}.")


@forum.command("rerender")
@click.option("--all", "everything", is_flag=True, help="Render every post, not only out-of-date ones.")
@with_appcontext
def rerender_command(everything):
    """Bring stored post HTML up to the current renderer (after an upgrade that changes it)."""
    from .posts.render import RENDER_VERSION
    from .posts.service import rerender

    query = select(Post).order_by(Post.id)
    if not everything:
        query = query.where(Post.render_version < RENDER_VERSION)
    done, last_id = 0, 0
    while batch := db.session.scalars(query.where(Post.id > last_id).limit(500)).all():
        last_id = batch[-1].id
        done += rerender(batch)
    click.echo(f"Rendered {done} post{'' if done == 1 else 's'} again.")
