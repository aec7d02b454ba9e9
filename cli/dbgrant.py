"""``voco db-grant``: a PostgreSQL login role that reads one CDR view (each one a grant)."""

from __future__ import annotations

import click

from cli.common import get_app, oplogged


@click.group("db-grant")
def db_grant_group() -> None:
    """Database grants: a login role for a reporting tool that may SELECT the CDR view
    (voco_grant_cdr) and nothing else, from the networks named. PostgreSQL store only.

    Where the database server runs on this host, Voco writes the matching pg_hba.conf lines
    itself; elsewhere it prints them for the admin to add. Grants are listed and revoked with
    'voco grants' (revoking drops the role and ends its sessions at once)."""


@db_grant_group.command("add")
@click.argument("name")
@click.option("--party", required=True, help="Who the role is for.")
@click.option("--permit", multiple=True, required=True,
              help="An address or network it may connect from (repeatable).")
@click.option("--until", help="Last day (YYYY-MM-DD) or time it works; default: until revoked.")
@click.pass_context
@oplogged
def add_cmd(ctx: click.Context, name: str, party: str, permit: tuple[str, ...],
            until: str | None) -> None:
    """Create the role; its password is printed once (PostgreSQL keeps only a verifier)."""
    from asterisk_bridge.dbgrant.grant import open_grant
    from asterisk_bridge.oplog import current_actor

    opened = open_grant(get_app(ctx).engine, name, party, permit, until, current_actor())
    click.echo(f"grant {opened.grant_id}: role {opened.role} on database {opened.database} "
               f"may SELECT voco_grant_cdr")
    click.echo(f"password (shown once): {opened.password}")
    if opened.hba_managed:
        click.echo("pg_hba.conf updated and reloaded")
    else:
        click.echo("add these lines at the top of the server's pg_hba.conf, then reload it:")
        click.echo("\n".join(opened.hba_lines))
