"""`flask odr stages-rebuild`: rebuild case_stages from the audit trail (statistics/stages.py)."""

from __future__ import annotations

import click

from ..cli import odr_cli
from ..extensions import db


@odr_cli.command("stages-rebuild")
def stages_rebuild_command():
    """Rebuild the stays of cases in each state (time per stage, on-time rate) from the audit trail."""
    from .stages import rebuild_from_audit

    written = rebuild_from_audit()
    db.session.commit()
    click.echo(f"{written} stays rebuilt from the audit trail")
