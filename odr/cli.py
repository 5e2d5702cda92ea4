"""`flask --app wsgi odr ...`: seed demo data, create users, verify the audit chain."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from .core.enums import MEMBER_ROLES, Role
from .extensions import db

odr_cli = AppGroup("odr", help="odr administration commands.")


@odr_cli.command("audit-verify")
def audit_verify():
    """Check every link of the audit chain; print OK or the first broken link."""
    from .core.audit import verify_chain

    report = verify_chain()
    if report.ok:
        click.echo(f"OK: {report.checked} audit events, chain intact.")
        return
    click.echo(f"BROKEN at event {report.broken_at}: {report.reason} ({report.checked} events verified before it).")
    sys.exit(1)


@odr_cli.command("create-user")
@click.option("--name", required=True)
@click.option("--email")
@click.option("--phone")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--org", "org_id", type=int, help="Organisation id for a staff role.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--locale", type=click.Choice(["zh_CN", "en"]))
def create_user_command(name, email, phone, role, org_id, password, locale):
    """Create an account (staff roles need --org)."""
    from .auth.operations import create_user
    from .core.errors import OperationError
    from .orgs.models import Organisation

    role = Role(role)
    memberships = []
    if role in MEMBER_ROLES:
        org = db.session.get(Organisation, org_id) if org_id else None
        if org is None:
            raise click.UsageError("this role needs --org with an existing organisation id")
        memberships = [(org, role)]
    try:
        user = create_user(name=name, role=role, email=email, phone=phone, password=password,
                           locale=locale, memberships=memberships)
    except OperationError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Created user {user.id} ({user.login}, {user.role.value}).")


@odr_cli.command("seed-demo")
@click.option("--cases", default=60, show_default=True, help="How many demo cases.")
@click.option("--force", is_flag=True, help="Seed even if the database already has users.")
def seed_demo_command(cases, force):
    """Fill an empty database with demo regions, organisations, one user per role and cases."""
    from .demo import DEMO_PASSWORD, seed_demo

    result = seed_demo(case_count=cases, force=force)
    if result is None:
        click.echo("Demo data already present; nothing to do.")
    else:
        click.echo(f"Seeded {result['cases']} cases, {result['users']} users, {result['organisations']} organisations.")
        click.echo(f"Clocks: {result['reminders']} reminders and {result['escalations']} escalations sent "
                   "(the supervisor's board: /supervision; the messages: /outbox).")
    from .demo import demo_logins

    click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
    for role, login in demo_logins():
        click.echo(f"  {role:<16} {login}")


@odr_cli.command("run-due-jobs")
def run_due_jobs_command():
    """Send consent reminders and move cases past their consent deadline (run from cron)."""
    from .notifications.jobs import run_due_jobs

    result = run_due_jobs()
    click.echo(f"Reminders sent: {result['reminded']}; consent deadlines passed: {result['expired']}; "
               f"terms reminded: {result['terms_reminded']}; missed terms flagged: {result['terms_flagged']}.")
    click.echo(f"Clock reminders: {result['reminders']}; escalated: {result['escalations']}; "
               f"escalated up: {result['escalations_up']}; instructions escalated: {result['instructions_escalated']}.")


@odr_cli.command("deliver-outbox")
def deliver_outbox_command():
    """Send queued e-mail and SMS (with OUTBOX_DELIVERY=deferred, run this from cron or a worker)."""
    from .notifications.operations import deliver_pending

    counts = deliver_pending()
    click.echo(f"Sent: {counts['sent']}; failed: {counts['failed']}; queued again: {counts['queued']}.")


@odr_cli.command("identity-key")
def identity_key_command():
    """Print a new key for IDENTITY_KEYS (put it first to start using it)."""
    from .identity.crypto import new_key

    click.echo(new_key())


@odr_cli.command("rotate-identity-keys")
def rotate_identity_keys_command():
    """Re-encrypt every stored identity number with the first key of IDENTITY_KEYS."""
    from .identity.operations import rotate_keys

    click.echo(f"re-encrypted {rotate_keys()} identity numbers with the current key")
