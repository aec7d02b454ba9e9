"""``voco conference``: ConfBridge rooms on an internal number, optionally behind a PIN."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.common import get_app, oplogged
from cli.provision_output import add_read_commands, changes, emit, json_option

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from asterisk_bridge.provisioning.records import Spec


@click.group("conference")
def conference_group() -> None:
    """Conference rooms (the PIN is stored encrypted and never displayed)."""


def _pin_state(engine: Engine, room: Spec) -> dict[str, str]:
    from asterisk_bridge.provisioning import conferences

    return {"pin": "set" if conferences.has_pin(engine, room.key) else "none"}


@conference_group.command("add")
@click.argument("name")
@click.option("--number", required=True, help="Internal number callers dial to join.")
@click.option("--max-members", type=int, default=0, help="0 = no limit.")
@click.option("--pin", default=None, help="Digits callers must enter (4-12).")
@json_option
@click.pass_context
@oplogged
def add_cmd(ctx: click.Context, name: str, number: str, max_members: int, pin: str | None,
            as_json: bool) -> None:
    """Create room NAME."""
    from asterisk_bridge.provisioning import conferences
    from asterisk_bridge.provisioning.conferences import Conference

    app = get_app(ctx)
    room = conferences.add(app.engine, app.master_key,
                           Conference(name=name, number=number, max_members=max_members), pin)
    emit(room, as_json, app.engine, _pin_state)


@conference_group.command("set")
@click.argument("name")
@click.option("--number")
@click.option("--max-members", type=int)
@click.option("--pin", default=None, help="A new PIN.")
@click.option("--no-pin", is_flag=True, help="Open the room to anyone who dials it.")
@json_option
@click.pass_context
@oplogged
def set_cmd(ctx: click.Context, name: str, pin: str | None, no_pin: bool, as_json: bool,
            **opts: str | int | None) -> None:
    """Change room NAME."""
    from asterisk_bridge.provisioning import conferences

    app = get_app(ctx)
    room = conferences.update(app.engine, name, **changes(**opts))
    if pin is not None or no_pin:
        conferences.set_pin(app.engine, app.master_key, name, None if no_pin else pin)
    emit(room, as_json, app.engine, _pin_state)


add_read_commands(conference_group, "conference", "name",
                  "asterisk_bridge.provisioning.conferences", extra=_pin_state)
