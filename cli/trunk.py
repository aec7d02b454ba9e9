"""``voco trunk``: SIP providers (registration and/or identification by network)."""

from __future__ import annotations

import dataclasses
import sys
from typing import TYPE_CHECKING

import click

from asterisk_bridge.provisioning.encryption import MEDIA, TRANSPORTS
from cli.common import get_app, oplogged
from cli.provision_output import add_read_commands, changes, emit, json_option

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from asterisk_bridge.provisioning.records import Spec


_TRANSPORT = click.option(
    "--transport", type=click.Choice(TRANSPORTS),
    help="SIP signalling to and from the provider: udp (the default) or tls; with tls, calls "
         "arriving in clear are refused.")
_PEER_HELP = ("The trunk leads to another Voco node sharing this store: calls crossing it are "
              "listed as one call (its X-Voco-Call header is believed only on such a trunk, "
              "signed with a key derived from the shared master key, and fresh within 30 s).")
_MEDIA = click.option(
    "--media-encryption", type=click.Choice(MEDIA),
    help="sdes (the default over TLS) or dtls require SRTP; none allows plain RTP.")


@click.group("trunk")
def trunk_group() -> None:
    """Trunks: the provider's host, credentials (stored encrypted) and source networks."""


def _secret(read: bool) -> str | None:
    """The provider password from standard input: never an argument (ps, shell history, log)."""
    if not read:
        return None
    return sys.stdin.readline().rstrip("\r\n")


def _has_secret(engine: Engine, trunk: Spec) -> dict[str, str]:
    from asterisk_bridge.provisioning import trunks

    return {"secret": "set" if trunks.secret_is_set(engine, trunk.key) else "none"}


@trunk_group.command("add")
@click.argument("name")
@click.option("--host", required=True, help="Provider hostname or IPv4 address.")
@click.option("--port", type=int, default=5060, show_default=True)
@click.option("--username", default="", help="Account name at the provider.")
@click.option("--register/--no-register", default=False,
              help="Register to the provider (needs --username and --secret-stdin).")
@click.option("--identify", multiple=True,
              help="Accept calls from this network as the trunk (repeatable), e.g. 192.0.2.0/24.")
@click.option("--secret-stdin", is_flag=True, help="Read the provider password from stdin.")
@click.option("--voco-peer/--no-voco-peer", default=False, help=_PEER_HELP)
@_TRANSPORT
@_MEDIA
@json_option
@click.pass_context
@oplogged
def add_cmd(ctx: click.Context, name: str, host: str, port: int, username: str, register: bool,
            identify: tuple[str, ...], secret_stdin: bool, voco_peer: bool,
            transport: str | None, media_encryption: str | None, as_json: bool) -> None:
    """Create trunk NAME."""
    from asterisk_bridge.provisioning import trunks
    from asterisk_bridge.provisioning.trunks import Trunk

    app = get_app(ctx)
    trunk = Trunk(name=name, host=host, port=port, username=username, register=register,
                  identify=identify, transport=transport or "",
                  media_encryption=media_encryption or "", voco_peer=voco_peer)
    trunks.add(app.engine, app.master_key, trunk, _secret(secret_stdin))
    emit(trunk, as_json, app.engine, _has_secret)


@trunk_group.command("set")
@click.argument("name")
@click.option("--host")
@click.option("--port", type=int)
@click.option("--username")
@click.option("--register/--no-register", default=None)
@click.option("--identify", multiple=True, help="Replace the identify networks (repeatable).")
@click.option("--no-identify", is_flag=True, help="Remove every identify network.")
@click.option("--secret-stdin", is_flag=True, help="Read a new provider password from stdin.")
@click.option("--voco-peer/--no-voco-peer", default=None, help=_PEER_HELP)
@_TRANSPORT
@_MEDIA
@json_option
@click.pass_context
@oplogged
def set_cmd(ctx: click.Context, name: str, identify: tuple[str, ...], no_identify: bool,
            secret_stdin: bool, as_json: bool, **opts: str | int | bool | None) -> None:
    """Change trunk NAME."""
    from asterisk_bridge.provisioning import trunks
    from asterisk_bridge.provisioning.encryption import follow

    app = get_app(ctx)
    new = follow(changes(**opts))
    if identify or no_identify:
        new["identify"] = () if no_identify else identify
    dataclasses.replace(trunks.get(app.engine, name), **new)  # validate before writing anything
    if secret_stdin:
        trunks.set_secret(app.engine, app.master_key, name, _secret(True))
    emit(trunks.update(app.engine, name, **new), as_json, app.engine, _has_secret)


add_read_commands(trunk_group, "trunk", "name", "asterisk_bridge.provisioning.trunks",
                  extra=_has_secret)
