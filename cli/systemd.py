"""``voco systemd``: install the units that run Voco as services on a plain Debian host."""

from __future__ import annotations

from pathlib import Path

import click

from cli.common import get_app, oplogged


@click.group("systemd")
def systemd_group() -> None:
    """systemd units: the bridge, the API, the RAM spool mount, daily TLS renewal."""


@systemd_group.command("install")
@click.option("--unit-dir", type=click.Path(file_okay=False), default="/etc/systemd/system",
              show_default=True, help="Where to write the unit files.")
@click.option("--user", default="voco", show_default=True,
              help="The services' own system user (create it: see the output).")
@click.option("--api/--no-api", default=False, help="Also a unit for the REST API.")
@click.pass_context
@oplogged
def install_cmd(ctx: click.Context, unit_dir: str, user: str, api: bool) -> None:
    """Write the units for this installation, then print how to start them."""
    from asterisk_bridge.deploy.systemd import render_units

    cfg = get_app(ctx).config
    units = render_units(cfg, user, api)
    for path in units.write(Path(unit_dir)):
        click.echo(f"wrote {path}")
    mount = next(n for n in units.files if n.endswith(".mount"))
    services = " ".join(n for n in units.files if n.endswith(".service")
                        and n != "voco-tls-renew.service")
    click.echo("next, as root:\n"
               f"  adduser --system --group --home {cfg.data_dir} --no-create-home {user}\n"
               f"  adduser {user} asterisk\n"
               f"  chown -R {user}:{user} {cfg.data_dir}; chmod 0700 {cfg.data_dir}\n"
               f"  systemctl daemon-reload\n"
               f"  systemctl enable --now '{mount}' voco-tls-renew.timer {services}")
