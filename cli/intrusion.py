"""``voco intrusion``: block sources that keep failing to authenticate. Off by default."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from cli.common import get_app, oplogged, oplogged_read, read_rows
from cli.output import Column, emit_list, emit_object, list_json_option, object_json_option

BLOCK_COLUMNS = (
    Column("ADDRESS", lambda b: b.address),
    Column("SERVICE", lambda b: b.service),
    Column("BLOCKED", lambda b: b.blocked_at),
    Column("UNTIL", lambda b: b.until),
    Column("ENDED", lambda b: b.ended_at or ""),
    Column("BY", lambda b: b.ended_by or ("expiry" if b.ended_at else "")),
)


@click.group("intrusion")
def intrusion_group() -> None:
    """Intrusion response, OFF by default: once a source address failed to authenticate
    [notifications] auth_threshold times within auth_period_s (SIP or AMI, from Asterisk's
    security events), the running bridge blocks it for --block-minutes through Asterisk's own
    PJSIP ACL (pjsip_intrusion.conf, included by the pjsip.conf 'voco apply' renders). An
    address in an --allow network is never blocked. Every block and unblock is in the
    operation log."""


@intrusion_group.command("set")
@click.argument("state", type=click.Choice(["on", "off"]))
@click.option("--block-minutes", type=int, help="How long a block lasts (default 60).")
@click.option("--allow", multiple=True, metavar="CIDR",
              help="A network never blocked (repeatable; replaces the allowlist).")
@click.pass_context
@oplogged
def set_cmd(ctx: click.Context, state: str, block_minutes: int | None,
            allow: tuple[str, ...]) -> None:
    """Turn intrusion response on or off."""
    from asterisk_bridge.intrusion import settings

    app = get_app(ctx)
    old = settings.current(app.engine)
    new = settings.Intrusion(
        state == "on",
        settings.check_minutes(block_minutes) if block_minutes is not None else old.block_s,
        settings.check_allow(allow) if allow else old.allow)
    settings.store(app.engine, new)
    click.echo(_describe(new.as_dict()))


def _describe(data: Mapping[str, Any]) -> str:
    allow = ", ".join(data["allow"]) or "nothing"
    state = "on" if data["enabled"] else "off"
    return (f"intrusion response: {state}; blocks last {int(data['block_s']) // 60} min "
            f"(allowlist: {allow})")


@intrusion_group.command("show")
@object_json_option
@click.pass_context
def show_cmd(ctx: click.Context, as_json: bool) -> None:
    """The settings."""
    from asterisk_bridge.intrusion import settings

    emit_object(settings.current(get_app(ctx).engine).as_dict(), as_json, _describe)


@intrusion_group.command("list")
@click.option("--all", "everything", is_flag=True, help="Ended blocks too.")
@list_json_option
@click.pass_context
@oplogged_read("blocked source addresses")
def list_cmd(ctx: click.Context, everything: bool, as_json: bool) -> None:
    """Blocks in force (newest first)."""
    from asterisk_bridge.intrusion import blocks

    with get_app(ctx).engine.connect() as conn:
        found = blocks.listing(conn, everything)
    read_rows(len(found))
    emit_list(found, as_json, BLOCK_COLUMNS, lambda b: b.as_dict(), "no blocked addresses")


@intrusion_group.command("unblock")
@click.argument("address")
@click.pass_context
@oplogged
def unblock_cmd(ctx: click.Context, address: str) -> None:
    """Lift the block of ADDRESS now (Asterisk is told at once when it is reachable, else by
    the bridge within seconds)."""
    from asterisk_bridge.bridge.amiclient import ami_session
    from asterisk_bridge.errors import VocoError
    from asterisk_bridge.intrusion import blocks, enforce
    from asterisk_bridge.oplog import current_actor
    from asterisk_bridge.provisioning import validate

    app = get_app(ctx)
    ip = validate.ip_address(address, "address")
    with app.engine.begin() as conn:
        blocks.unblock(conn, ip, current_actor())
        wanted = blocks.active(conn)

    async def tell() -> None:
        async with ami_session(app.config.asterisk, timeout=30) as session:
            await enforce.enforce(app.config.asterisk, session, wanted)

    import asyncio

    try:
        asyncio.run(tell())
        click.echo(f"unblocked {ip}")
    except VocoError as exc:
        click.echo(f"unblocked {ip}; Asterisk not told now ({exc}): the bridge will")
