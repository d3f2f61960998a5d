"""The `flask forum …` command group."""

import secrets
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import func, select

from . import backup, config, jobs
from .admin.service import blocks
from .admin.service import members as admin
from .auth.service import accounts
from .extensions import db
from .mail import MailError
from .notifications import mail as notification_mail
from .account.service import release_usernames
from .members.service.profiles import by_username
from .models import Post, Thread, User
from .models.moderation import SIGN_OUT_KINDS
from .models.user import ROLES
from .moderation.service import sanctions
from .policy import active_sanctions
from .posts.service.render import RENDER_VERSION
from .posts.service import rerender
from .refusals import Refusal


def main():
    """`forum-admin`, the command an installed wheel brings (pyproject.toml): Flask's own CLI with this
    app preset, so that `forum-admin db upgrade` and `forum-admin forum backup …` work anywhere, with no
    wsgi.py to find. In a checkout, `flask` (which finds wsgi.py) does the same."""
    from . import create_app  # here: the factory imports this module

    FlaskGroup(name="forum-admin", create_app=create_app, help="Run the forum's commands (flask, with the app set).")()


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
    except Refusal as error:
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
        from .demo import seed_demo  # here, not above: it reads the demo's data files, which serving never needs

        click.echo(f"Demo content loaded: {seed_demo()}.")


# The limits a local trial relaxes, as the banner names them.
TRIAL_LIMITS = {"REGISTER_RATE_LIMIT": "accounts registered from one address",
                "NEW_MEMBER_REPLY_RATE_LIMIT": "replies by a new member",
                "REPLY_RATE_LIMIT": "replies by other members",
                "NEW_MEMBER_THREAD_RATE_LIMIT": "threads by a new member",
                "THREAD_RATE_LIMIT": "threads by other members"}


@forum.command("banner")
@click.option("--url", required=True, help="The address the forum is about to serve on.")
@with_appcontext
def banner(url):
    """What `make run` prints before serving: where, the rate limits a local trial relaxes, and whether
    newcomers confirm their address. Each value is the one in force (forum/settings.py): FORUM_<NAME>
    in the environment, else an admin's choice at /admin/settings, else the configuration."""
    settings = current_app.extensions["settings"]
    click.echo("=" * 72)
    click.echo(f"  The forum is starting on {url}   (Ctrl-C stops it)")
    if current_app.config.get("LOCAL_HTTP"):
        click.echo("  A local trial (FORUM_LOCAL_HTTP): rate limits loose enough for one person to")
        click.echo("  register several members and have them talk to each other:")
        for name, what in TRIAL_LIMITS.items():
            value, strict, trial = settings.value(name), getattr(config.Defaults, name), getattr(config.LocalTrial, name)
            note = "" if value == trial else f"   ({_set_where(settings, name)})"
            click.echo(f"    {what}: {value}" + (f" (a deployment: {strict})" if value != strict else "") + note)
        click.echo("  A deployment (FORUM_LOCAL_HTTP unset) keeps the strict limits; FORUM_<NAME>")
        click.echo("  settings win over both (README \"Configuration\").")
    confirming = settings.value("EMAIL_CONFIRMATION")
    where = "" if confirming is config.Defaults.EMAIL_CONFIRMATION else f" ({_set_where(settings, 'EMAIL_CONFIRMATION')})"
    if not confirming:
        click.echo(f"  Email confirmation is off{where}: a newcomer is signed in at once.")
    elif current_app.config["MAIL_SERVER"]:
        click.echo(f"  Email confirmation is on{where}: newcomers follow a mailed link.")
    else:
        click.echo(f"  Email confirmation is on{where}: with no mail server, the mailed links are printed here.")
    click.echo("=" * 72)


def _set_where(settings, name: str) -> str:
    if settings.fixed(name):
        return f"set by FORUM_{name}"
    if name in settings.saved():
        return "set at /admin/settings"
    return "set in your configuration"


@forum.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Fill the forum with the project's demo categories, members, threads and replies."""
    from .demo import seed_demo  # here, not above: it reads the demo's data files, which serving never needs

    summary = seed_demo()
    click.echo(f"Demo content loaded: {summary}.")


@forum.command("send-mail")
@with_appcontext
def send_mail_command():
    """Send the notification email that is due (run it every few minutes, from cron or a timer)."""
    try:
        report = notification_mail.send_due()
    except MailError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Sent {report.sent} mail{'' if report.sent == 1 else 's'}.")
    if report.failed:
        raise click.ClickException(f"Could not send to {len(report.failed)} member(s) "
                                   f"(see the log); the next run tries again: {', '.join(report.failed)}")


@forum.command("worker")
@click.option("--threads", default=2, show_default=True, help="Jobs run at the same time.")
@click.option("--stop-with", type=int, default=None, metavar="PID",
              help="Stop once process PID has ended (make run stops its worker with itself).")
@with_appcontext
def worker_command(threads, stop_with):
    """Run the job worker: mail, notification mail and digests, clean-ups (README "Background jobs")."""
    from . import tasks  # noqa: F401  (here: its periodic jobs are the worker's alone)

    try:
        jobs.work(workers=threads, stop_with=stop_with)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error


@forum.command("rerender")
@click.option("--all", "everything", is_flag=True, help="Render every post, not only out-of-date ones.")
@with_appcontext
def rerender_command(everything):
    """Bring stored post HTML up to the current renderer (after an upgrade that changes it)."""
    started = time.perf_counter()
    query = select(Post).order_by(Post.id)
    if not everything:
        query = query.where(Post.render_version < RENDER_VERSION)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    done, last_id = 0, 0
    with _progress("Rendering posts:", total) as bar:
        while batch := db.session.scalars(query.where(Post.id > last_id).limit(500)).all():
            last_id = batch[-1].id
            done += rerender(batch)
            bar.update(len(batch), f"up to post {last_id}")
    rest = "" if everything else _up_to_date(db.session.scalar(select(func.count(Post.id))) - done)
    click.echo(f"Rendered {done:,} post{'' if done == 1 else 's'} again.{rest} {_took(started)}")


def _up_to_date(others: int) -> str:
    return f" {others:,} other{' was' if others == 1 else 's were'} up to date." if others else ""


def _member_named(username: str):
    member = by_username(username)
    if member is None:
        raise click.ClickException(f"There is no member called {username!r}.")
    return member


def _acting_admin(member=None):
    """The oldest admin account, other than `member`: commands from the shell act in its name."""
    acting = admin.first_admin(but=member)
    if acting is None:
        raise click.ClickException("This needs an admin account to act in its name: create one with create-admin.")
    return acting


@forum.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
def set_role_command(username, role):
    """Make a member a member, moderator or admin."""
    member = _member_named(username)
    try:
        # In the name of another admin (nobody changes their own role), or of the system when none is.
        admin.change_role(admin.first_admin(but=member), member, role, via="command line")
    except Refusal as error:
        raise click.ClickException(error.message) from error
    click.echo(f"@{member.username} is now {admin.IS_NOW[role]}.")


@forum.command("ban")
@click.argument("username")
@click.option("--reason", required=True, help="Shown to the member.")
@click.option("--days", type=click.IntRange(min=1), default=None, help="Suspend for this many days instead.")
@click.option("--remove-posts", is_flag=True, help="Hide all their posts (restored if the ban is lifted).")
@with_appcontext
def ban_command(username, reason, days, remove_posts):
    """Ban a member (or suspend them, with --days); they are signed out everywhere at once."""
    member = _member_named(username)
    kind = "suspension" if days else "ban"
    request = sanctions.SanctionRequest(kind=kind, reason=reason, days=days, remove_posts=remove_posts,
                                        note="Issued from the command line.")
    try:
        sanction = sanctions.issue(_acting_admin(member), member, request)
    except Refusal as error:
        raise click.ClickException(error.message) from error
    until = f" until {sanction.ends_at:%-d %B %Y, %H:%M} UTC" if sanction.ends_at else ""
    click.echo(f"@{member.username} is {'suspended' if days else 'banned'}{until} and signed out everywhere.")


@forum.command("unban")
@click.argument("username")
@click.option("--reason", required=True, help="Why the ban is lifted (logged).")
@with_appcontext
def unban_command(username, reason):
    """Lift a member's suspensions and bans in force."""
    member = _member_named(username)
    lifted = [s for s in active_sanctions(db.session, member.id) if s.kind in SIGN_OUT_KINDS]
    if not lifted:
        raise click.ClickException(f"@{member.username} is not suspended or banned.")
    actor = _acting_admin(member)
    try:
        for sanction in lifted:
            sanctions.lift(actor, sanction, reason)
    except Refusal as error:
        raise click.ClickException(error.message) from error
    click.echo(f"@{member.username} may sign in again ({len(lifted)} lifted).")


def _block(kind, value, reason):
    try:
        block = blocks.add_block(_acting_admin(), kind, value, reason, via="command line")
    except Refusal as error:
        raise click.ClickException(error.message) from error
    click.echo(f"{block.value} can no longer register.")


@forum.command("block-email")
@click.argument("address")
@click.option("--reason", required=True, help="Why, for the other staff.")
@with_appcontext
def block_email_command(address, reason):
    """Stop an email address registering (Gmail dots and +tags count as the same address)."""
    _block("email", address, reason)


@forum.command("block-ip")
@click.argument("network")
@click.option("--reason", required=True, help="Why, for the other staff.")
@with_appcontext
def block_ip_command(network, reason):
    """Stop an IP address or network (203.0.113.0/24, 2001:db8::/48) registering."""
    _block("ip", network, reason)


@forum.command("release-usernames")
@with_appcontext
def release_usernames_command():
    """Free the usernames of accounts deleted longer ago than FORUM_DELETED_USERNAME_HOLD_DAYS."""
    freed = release_usernames()
    names = f": {', '.join(freed)}." if freed else "."
    click.echo(f"{len(freed)} username{'' if len(freed) == 1 else 's'} freed{names}")


@forum.command("backup")
@click.argument("path", type=click.Path())
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@click.option("--keep", type=click.IntRange(min=1), help="Then keep only the N newest backups in PATH's folder "
              "(files ending as PATH does), deleting older ones: a scheduled backup's rotation.")
@with_appcontext
def backup_command(path, force, keep):
    """Back up the database while the forum serves (SQLite backup API, or pg_dump -Fc)."""
    _on_database("backup", path, overwrite=force)
    if keep:
        gone = backup.prune(Path(path), keep)
        click.echo(f"Kept the {keep} newest; deleted {len(gone)} older backup{'' if len(gone) == 1 else 's'}"
                   f"{': ' + ', '.join(p.name for p in gone) if gone else ''}.")


@forum.command("restore")
@click.argument("path", type=click.Path())
@click.option("--force", is_flag=True, help="Replace the content of a database that is not empty.")
@with_appcontext
def restore_command(path, force):
    """Restore a backup into an empty database (stop the forum first when using --force)."""
    _on_database("restore", path, force=force)


def _on_database(action: str, path: str, **options):
    """Run backup.backup or backup.restore on the configured database, its stages on a progress bar
    and its summary at the end; its refusals become messages."""
    started = time.perf_counter()
    stages = backup.STEPS[action]
    try:
        with _progress(f"{action.capitalize()}:", len(stages)) as bar:
            summary = getattr(backup, action)(current_app.config["SQLALCHEMY_DATABASE_URI"], path,
                                              step=lambda stage: bar.update(1, stage), **options)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{summary} {_took(started)}")


def _progress(label: str, length: int):
    """click's progress bar, on stderr so that the summary alone goes to stdout (and to a cron mail).
    On a terminal it redraws in place; elsewhere (a pipe, a systemd journal) click writes its label once."""
    return click.progressbar(length=length, label=label, item_show_func=lambda stage: stage, show_eta=False,
                             show_pos=True, file=sys.stderr)


def _took(started: float) -> str:
    return f"Took {time.perf_counter() - started:.1f} s."


@forum.command("seed-bench")
@click.option("--members", type=click.IntRange(min=2), default=100_000, show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=20_000, show_default=True)
@click.option("--posts", type=click.IntRange(min=1), default=1_000_000, show_default=True)
@click.option("--big-thread", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Posts in the one long thread.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same forum.")
@click.option("--force", is_flag=True, help="Add to a database that already has posts.")
@with_appcontext
def seed_bench_command(members, threads, posts, big_thread, seed, force):
    """Fill the database with a large, realistic forum for `make bench` (bulk inserts, not the web path)."""
    # Imported here, not with the module: bench/ is a development tool beside the package, so the web
    # workers and every other command neither load it nor need it to be deployed.
    from bench import seed as bench_seed

    if bench_seed.existing_posts() and not force:
        raise click.ClickException("This database already has posts: use an empty one, or --force to add to it.")
    sizes = bench_seed.Sizes(members, threads, posts, big_thread, seed)
    started = time.perf_counter()
    try:
        report = bench_seed.seed_bench(sizes, echo=click.echo)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Bench data loaded in {time.perf_counter() - started:.1f} s: "
               + ", ".join(f"{n:,} {what}" for what, n in report.counts.items())
               + f". The big thread is /t/{report.big_thread_id}. Every member's password: {bench_seed.BENCH_PASSWORD}")
