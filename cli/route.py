"""``voco route``: inbound (DID → extension, queue or room) and outbound (pattern → trunks)."""

from __future__ import annotations

import click

from asterisk_bridge.errors import ValidationError
from cli.common import get_app, oplogged
from cli.provision_output import add_read_commands, changes, emit, json_option


@click.group("route")
def route_group() -> None:
    """Call routes."""


@route_group.group("inbound")
def inbound_group() -> None:
    """Inbound routes: a DID called through a trunk goes to an extension, queue or room."""


def _target(value: str) -> tuple[str, str]:
    kind, sep, target = value.partition(":")
    if not sep:
        raise ValidationError(f"to: {value!r} is not valid; use extension:NUMBER, queue:NAME "
                              "or conference:NAME")
    return kind, target


to_option = click.option("--to", "to", required=True,
                         help="extension:NUMBER, queue:NAME or conference:NAME")


@inbound_group.command("add")
@click.argument("did")
@to_option
@json_option
@click.pass_context
@oplogged
def inbound_add(ctx: click.Context, did: str, to: str, as_json: bool) -> None:
    """Route calls for DID."""
    from asterisk_bridge.provisioning import routes
    from asterisk_bridge.provisioning.routes import InboundRoute

    app = get_app(ctx)
    kind, target = _target(to)
    route = routes.add_inbound(app.engine, InboundRoute(did=did, target_kind=kind, target=target))
    emit(route, as_json, app.engine)


@inbound_group.command("set")
@click.argument("did")
@to_option
@json_option
@click.pass_context
@oplogged
def inbound_set(ctx: click.Context, did: str, to: str, as_json: bool) -> None:
    """Send calls for DID somewhere else."""
    from asterisk_bridge.provisioning import routes

    app = get_app(ctx)
    kind, target = _target(to)
    emit(routes.update_inbound(app.engine, did, target_kind=kind, target=target), as_json,
         app.engine)


add_read_commands(inbound_group, "inbound route", "did", "asterisk_bridge.provisioning.routes",
                  ("list_inbound", "get_inbound", "remove_inbound"))


@route_group.group("outbound")
def outbound_group() -> None:
    """Outbound routes: numbers matching a pattern go out through trunks, tried in order."""


@outbound_group.command("add")
@click.argument("name")
@click.option("--pattern", required=True, help="Asterisk pattern, e.g. _0X. or _9[2-9]XXXXXX.")
@click.option("--trunk", "trunk", multiple=True, required=True,
              help="Trunk to try (repeat for fallbacks, in order).")
@click.option("--strip", type=int, default=0, show_default=True,
              help="Leading digits to remove before dialling.")
@click.option("--prepend", default="", help="Digits to put in front before dialling.")
@click.option("--position", type=int, default=0,
              help="Where among the routes (1 = tried first; default: last).")
@json_option
@click.pass_context
@oplogged
def outbound_add(ctx: click.Context, name: str, pattern: str, trunk: tuple[str, ...], strip: int,
                 prepend: str, position: int, as_json: bool) -> None:
    """Create outbound route NAME."""
    from asterisk_bridge.provisioning import routes
    from asterisk_bridge.provisioning.routes import OutboundRoute

    app = get_app(ctx)
    route = routes.add_outbound(app.engine, OutboundRoute(
        name=name, pattern=pattern, trunks=trunk, strip=strip, prepend=prepend,
        position=position))
    emit(route, as_json, app.engine)


@outbound_group.command("set")
@click.argument("name")
@click.option("--pattern")
@click.option("--trunk", "trunks", multiple=True, help="Replace the trunk list (repeatable).")
@click.option("--strip", type=int)
@click.option("--prepend")
@click.option("--position", type=int)
@json_option
@click.pass_context
@oplogged
def outbound_set(ctx: click.Context, name: str, trunks: tuple[str, ...], as_json: bool,
                 **opts: str | int | None) -> None:
    """Change outbound route NAME."""
    from asterisk_bridge.provisioning import routes

    app = get_app(ctx)
    new = changes(**opts)
    if trunks:
        new["trunks"] = trunks
    emit(routes.update_outbound(app.engine, name, **new), as_json, app.engine)


add_read_commands(outbound_group, "outbound route", "name", "asterisk_bridge.provisioning.routes",
                  ("list_outbound", "get_outbound", "remove_outbound"))
