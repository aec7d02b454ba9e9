"""Entry point of the ``voco`` command."""

from __future__ import annotations

import click

from asterisk_bridge.errors import exit_code_summary
from cli import (
    apply,
    bridge,
    calls,
    cdr,
    check,
    conference,
    configio,
    contact,
    db,
    disclosure,
    extension,
    hold,
    init,
    keys,
    live,
    oplog,
    policy,
    queue,
    recording,
    retention,
    route,
    sandbox,
    speeddial,
    subject,
    trunk,
)
from cli.common import VocoGroup


@click.group(cls=VocoGroup, epilog=f"Exit codes: {exit_code_summary()} (see docs/cli.md).")
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    help="Config file (default: $VOCO_CONFIG, else /etc/voco/voco.toml).",
)
@click.version_option(package_name="voco")
def voco(config: str | None) -> None:
    """Voco: a privacy-first integration layer for Asterisk."""


for module in (init, check, db, oplog, sandbox, bridge, contact, recording, keys, configio,
               extension, trunk, route, speeddial, conference, queue, apply, cdr, calls,
               retention, policy, live, subject, hold, disclosure):
    module.register(voco)


def main() -> None:
    """Console-script entry point."""
    voco(prog_name="voco")
