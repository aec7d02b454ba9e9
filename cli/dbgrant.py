"""``voco db-grant``: a PostgreSQL login role that reads one CDR view (each one a grant) and,
only if asked, a clear projection of personal fields that lives while the grant is open."""

from __future__ import annotations

import click

from asterisk_bridge.dbgrant.choices import PERSONAL
from cli.common import get_app, oplogged


@click.group("db-grant")
def db_grant_group() -> None:
    """Database grants: a login role for a reporting tool that may SELECT the CDR view
    (voco_grant_cdr) and nothing else, from the networks named. PostgreSQL store only.

    The view has no personal fields (the store keeps them sealed per person). A grant opened
    with --personal also reads those fields in clear from its own projection (schema named
    after the role, table cdr), which Voco fills, keeps current (the bridge, or 'voco db-grant
    refresh') and drops when the grant is revoked or expires.

    Where the database server runs on this host, Voco writes the matching pg_hba.conf lines
    itself; elsewhere it prints them for the admin to add. Grants are listed and revoked with
    'voco grants' (revoking drops the role and ends its sessions at once)."""


@db_grant_group.command("add")
@click.argument("name")
@click.option("--party", required=True, help="Who the role is for.")
@click.option("--permit", multiple=True, required=True,
              help="An address or network it may connect from (repeatable).")
@click.option("--until", help="Last day (YYYY-MM-DD) or time it works; default: until revoked.")
@click.option("--personal", multiple=True, type=click.Choice(PERSONAL),
              help="A personal CDR field the role may read in clear, from its own projection "
                   "(repeatable; default: none, only the view's non-personal columns).")
@click.pass_context
@oplogged
def add_cmd(ctx: click.Context, name: str, party: str, permit: tuple[str, ...],
            until: str | None, personal: tuple[str, ...]) -> None:
    """Create the role; its password is printed once (PostgreSQL keeps only a verifier)."""
    from asterisk_bridge.dbgrant.grant import open_grant
    from asterisk_bridge.oplog import current_actor

    opened = open_grant(get_app(ctx), name, party, permit, until, current_actor(), personal)
    click.echo(f"grant {opened.grant_id}: role {opened.role} on database {opened.database} "
               f"may SELECT voco_grant_cdr")
    if opened.projected is not None:
        click.echo(f"and, in clear, {', '.join(dict.fromkeys(personal))} from "
                   f"{opened.role}.cdr ({opened.projected} rows now; dropped with the grant)")
    click.echo(f"password (shown once): {opened.password}")
    if opened.hba_managed:
        click.echo("pg_hba.conf updated and reloaded")
    else:
        click.echo("add these lines at the top of the server's pg_hba.conf, then reload it:")
        click.echo("\n".join(opened.hba_lines))


@db_grant_group.command("refresh")
@click.pass_context
@oplogged
def refresh_cmd(ctx: click.Context) -> None:
    """Bring every open grant's clear projection up to date now, and drop those whose grant
    has lapsed (the bridge does this every 30 s)."""
    from asterisk_bridge.dbgrant import upkeep
    from asterisk_bridge.oplog import current_actor

    done = upkeep.run(get_app(ctx), current_actor())
    click.echo("\n".join(done) if done else "every projection is up to date")
