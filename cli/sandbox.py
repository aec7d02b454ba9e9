"""``voco sandbox``: a real Asterisk 22 for demos and tests, isolated in a Debian sid root."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click

from asterisk_bridge.errors import ExitCode
from cli.common import config_file
from cli.output import emit_object, object_json_option

if TYPE_CHECKING:
    from asterisk_bridge.sandbox.instance import InstanceInfo


name_option = click.option("--name", default="default", show_default=True,
                           help="Instance name; several instances can run at once.")


@click.group("sandbox")
def sandbox_group() -> None:
    """Build and run sandbox Asterisk instances."""


@sandbox_group.command("build")
@click.option("--rebuild", is_flag=True, help="Build again even if the cached root works.")
def build(rebuild: bool) -> None:
    """Build the Debian sid root with Asterisk (cached; about 20 s the first time)."""
    from asterisk_bridge.sandbox import rootfs

    root = rootfs.ensure_root(rebuild=rebuild)
    click.echo(f"{rootfs.asterisk_version(root)} in {root}")


@sandbox_group.command("start")
@name_option
@click.option("--attach/--no-attach", default=True, show_default=True,
              help="Point the Voco config (if it exists) at this instance and run its PBX.")
@click.pass_context
def start(ctx: click.Context, name: str, attach: bool) -> None:
    """Start an isolated Asterisk and wait until it is fully booted.

    Attached to an existing Voco config, the instance boots with the installation's own
    configuration (extensions, trunks, routes, recording policy) and 'voco apply' then proves it
    live; otherwise it runs an empty PBX.
    """
    from asterisk_bridge.sandbox import rootfs
    from asterisk_bridge.sandbox.attach import start_attached
    from asterisk_bridge.sandbox.instance import Instance

    root = rootfs.ensure_root()
    inst = Instance(name, root)
    path = config_file(ctx)
    if not (attach and path.exists()):
        info = inst.start()
        _started(name, info)
        click.echo("it runs an empty PBX: " + (
            "not attached to a Voco config" if not attach else
            f"there is no Voco config at {path} ('voco init', then start again)"))
        return
    started = start_attached(inst, path)
    _started(name, started.info)
    click.echo(f"{path} now points at sandbox {name!r}")
    outcome = started.outcome
    started.app.record("apply", {"sandbox": name, "changed": outcome.changed,
                                 "diff_sha256": outcome.diff_sha256,
                                 "sentinel": outcome.sentinel, "reloaded": outcome.reloaded},
                       "ok")
    click.echo(f"Voco's configuration is live in it ({outcome.sentinel})")


def _started(name: str, info: InstanceInfo) -> None:
    click.echo(f"sandbox {name!r} running: pid {info.pid}, AMI 127.0.0.1:{info.ami_port}, "
               f"HTTP/ARI 127.0.0.1:{info.http_port}, SIP udp 127.0.0.1:{info.sip_port}")


@sandbox_group.command("stop")
@name_option
@click.option("--destroy", is_flag=True, help="Also delete the instance's files.")
def stop(name: str, destroy: bool) -> None:
    """Stop an instance cleanly."""
    from asterisk_bridge.sandbox.instance import Instance

    inst = Instance(name)
    if destroy:
        inst.destroy()
        click.echo(f"sandbox {name!r} stopped and removed")
    else:
        inst.stop()
        click.echo(f"sandbox {name!r} stopped")


@sandbox_group.command("status")
@name_option
@object_json_option
@click.pass_context
def status(ctx: click.Context, name: str, as_json: bool) -> None:
    """Show whether an instance runs, and where; exit 3 if it does not run."""
    from asterisk_bridge.sandbox import rootfs
    from asterisk_bridge.sandbox.instance import Instance

    root = rootfs.default_root()
    inst = Instance(name, root)
    shown: dict[str, object] = {"name": name, "root": str(root),
                                "asterisk": rootfs.asterisk_version(root) or None,
                                "running": inst.is_running()}
    if shown["running"]:
        info = inst.info()
        shown |= {"pid": info.pid, "ami_port": info.ami_port, "http_port": info.http_port,
                  "sip_port": info.sip_port}
    emit_object(shown, as_json, _describe)
    if not shown["running"]:
        ctx.exit(ExitCode.NOT_RUNNING)


def _describe(s: Mapping[str, Any]) -> str:
    head = f"root:     {s['root']} ({s['asterisk'] or 'not built'})\ninstance: {s['name']} "
    if not s["running"]:
        return head + "not running"
    return head + (f"running, pid {s['pid']}, AMI {s['ami_port']}, HTTP {s['http_port']}, "
                   f"SIP {s['sip_port']}")
