"""``voco grants``: every door open to a third party, in one place; revoke and expire them.

Grants are opened by each door's own command ('voco api token add', 'voco ami-user add',
'voco db-grant add', 'voco popup set', 'voco crm set'); they are listed, shown, revoked and
expired here, whatever the door.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from asterisk_bridge.grants.choices import DOORS
from cli.common import get_app, oplogged
from cli.output import Column, emit_list, emit_object, list_json_option, object_json_option, text

GRANT_COLUMNS = (
    Column("ID", lambda g: g.id, right=True),
    Column("DOOR", lambda g: g.door),
    Column("NAME", lambda g: g.name),
    Column("WHO", lambda g: g.party),
    Column("WHAT", lambda g: ",".join(g.scopes)),
    Column("FROM/TO", lambda g: ",".join(g.permit) or f"to {g.options.get('to', '')}"),
    Column("UNTIL", lambda g: g.until or "revoked"),
    Column("STATE", lambda g: g.state),
)


@click.group("grants")
def grants_group() -> None:
    """Doors for third parties (AMI users, API tokens, database roles, popup URL, CRM lookup).

    Every door is closed after 'voco init'. A grant names who it is for (WHO), what it may see
    (WHAT), where it may connect from (FROM) and until when (UNTIL). Revoking takes effect at
    once: the door refuses the grant and live sessions are cut. Grants are never deleted."""


@grants_group.command("list")
@click.option("--door", type=click.Choice(DOORS), help="Only this door's grants.")
@click.option("--all", "show_all", is_flag=True, help="Also revoked and expired grants.")
@list_json_option
@click.pass_context
def list_cmd(ctx: click.Context, door: str | None, show_all: bool, as_json: bool) -> None:
    """Every open door (with --all: every grant ever made), oldest first."""
    from asterisk_bridge.grants import register as grants

    with get_app(ctx).engine.connect() as conn:
        found = grants.listing(conn, door, open_only=not show_all)
    emit_list(found, as_json, GRANT_COLUMNS, lambda g: g.as_dict(),
              "no grants: every door is closed" if not show_all else "no grants")


@grants_group.command("show")
@click.argument("grant_id", type=int)
@object_json_option
@click.pass_context
def show_cmd(ctx: click.Context, grant_id: int, as_json: bool) -> None:
    """One grant, with its door-specific settings (never its secret) and the addresses it
    was used from."""
    from asterisk_bridge.grants import addresses
    from asterisk_bridge.grants import register as grants

    with get_app(ctx).engine.connect() as conn:
        shown = grants.view(grants.get(conn, grant_id))
        used = [{"address": a, "first_seen": t} for a, t in addresses.seen(conn, grant_id)]
    emit_object({**shown.as_dict(), "used_from": used}, as_json, _describe)


def _describe(data: Mapping[str, Any]) -> str:
    used = [f"{u['address']} (since {u['first_seen']})" for u in data["used_from"]]
    return "\n".join(f"{k}: {text(v)}" for k, v in {**data, "used_from": used}.items())


@grants_group.command("revoke")
@click.argument("grant_id", type=int)
@click.option("--reason", required=True, help="Why (kept on the grant and in the log).")
@click.pass_context
@oplogged
def revoke_cmd(ctx: click.Context, grant_id: int, reason: str) -> None:
    """Close a grant now and cut its live sessions."""
    from asterisk_bridge.grants import doors
    from asterisk_bridge.grants import register as grants
    from asterisk_bridge.oplog import current_actor

    app = get_app(ctx)
    with app.engine.begin() as conn:
        closed = grants.close(conn, grant_id, reason, current_actor())
    click.echo(f"revoked {closed.door} grant {closed.id} ({closed.name}): "
               f"{doors.cut(app, closed)}")


@grants_group.command("expire")
@click.pass_context
@oplogged
def expire_cmd(ctx: click.Context) -> None:
    """Close every grant whose UNTIL has passed and cut its sessions now (the running bridge
    does this every minute; the doors already refuse an expired grant)."""
    from asterisk_bridge.grants import doors
    from asterisk_bridge.grants import register as grants
    from asterisk_bridge.oplog import current_actor

    app = get_app(ctx)
    with app.engine.begin() as conn:
        lapsed = grants.expire(conn, current_actor())
    for g in lapsed:
        click.echo(f"expired {g.door} grant {g.id} ({g.name}): {doors.cut(app, g)}")
    if not lapsed:
        click.echo("no grant has lapsed")

