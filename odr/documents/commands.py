"""`flask --app wsgi odr dev-certificate [--org ID]`: a development CA and signing certificate.

Registered on the `odr` command group when the documents views are imported (at app creation).
"""

from __future__ import annotations

import click

from ..cli import odr_cli
from ..extensions import db


@odr_cli.command("dev-certificate")
@click.option("--org", "org_id", type=int, help="Organisation id (default: the certificate for all).")
@click.option("--dir", "directory", type=click.Path(file_okay=False),
              help="Where to write (default: SIGNING_CERT_DIR or instance/certs).")
def dev_certificate_command(org_id, directory):
    """Make a development CA (once) and a signing certificate and key (mode 0600).

    Not for production: there, SIGNING_CERT_DIR holds certificates issued by a real CA.
    """
    from pathlib import Path

    from ..orgs.models import Organisation
    from .signing import cert_dir, make_dev_certificates

    name = "odr development"
    if org_id is not None:
        org = db.session.get(Organisation, org_id)
        if org is None:
            raise click.UsageError(f"no organisation with id {org_id}")
        name = org.name
    target = Path(directory) if directory else cert_dir()
    cert, key = make_dev_certificates(target, org_id=org_id, org_name=name)
    click.echo(f"Certificate: {cert}\nKey (0600): {key}\nCA: {target / 'ca.crt'}")
