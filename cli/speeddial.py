"""``voco speeddial``: short codes that dial a number."""

from __future__ import annotations

import click

from cli.common import get_app, oplogged
from cli.provision_output import add_read_commands, changes, emit, json_option


@click.group("speeddial")
def speeddial_group() -> None:
    """Speed dials: CODE (keys 0-9 * #) dials NUMBER as if the caller had dialled it."""


@speeddial_group.command("add")
@click.argument("code")
@click.option("--number", required=True, help="What the code dials.")
@click.option("--name", default="", help="A label.")
@json_option
@click.pass_context
@oplogged
def add_cmd(ctx: click.Context, code: str, number: str, name: str, as_json: bool) -> None:
    """Create speed dial CODE."""
    from asterisk_bridge.provisioning import speeddials
    from asterisk_bridge.provisioning.speeddials import SpeedDial

    app = get_app(ctx)
    emit(speeddials.add(app.engine, SpeedDial(code=code, number=number, name=name)), as_json,
         app.engine)


@speeddial_group.command("set")
@click.argument("code")
@click.option("--number")
@click.option("--name")
@json_option
@click.pass_context
@oplogged
def set_cmd(ctx: click.Context, code: str, as_json: bool, **opts: str | None) -> None:
    """Change speed dial CODE."""
    from asterisk_bridge.provisioning import speeddials

    app = get_app(ctx)
    emit(speeddials.update(app.engine, code, **changes(**opts)), as_json, app.engine)


add_read_commands(speeddial_group, "speed dial", "code", "asterisk_bridge.provisioning.speeddials")
