"""``voco bridge``: run the bridge, and report its connection state."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import TYPE_CHECKING

import click

from asterisk_bridge.errors import ExitCode
from cli.common import get_app
from cli.output import emit_object, object_json_option

if TYPE_CHECKING:
    from asterisk_bridge.bridge.status import BridgeStatus


@click.group("bridge")
def bridge_group() -> None:
    """The bridge between Asterisk (AMI, ARI) and the store."""


@bridge_group.command("run")
@click.pass_context
def run_command(ctx: click.Context) -> None:
    """Connect to Asterisk's AMI and ARI and run every enabled capability.

    Logs are JSON lines on stderr. Stops cleanly on SIGTERM or SIGINT.
    """
    import asyncio

    from asterisk_bridge.bridge import logs
    from asterisk_bridge.bridge.runner import serve

    app = get_app(ctx)
    logs.configure()
    asyncio.run(serve(app))


@bridge_group.command("status")
@object_json_option
@click.pass_context
def status_command(ctx: click.Context, as_json: bool) -> None:
    """Show each link's state; exit 3 if the bridge is not running."""
    from asterisk_bridge.bridge.status import pid_alive, read_status

    status = read_status(get_app(ctx).config.status_file)
    running = status.state == "running" and pid_alive(status.pid)
    emit_object({**asdict(status), "running": running}, as_json,
                lambda _: _describe(status, running))
    if not running:
        ctx.exit(ExitCode.NOT_RUNNING)


def _describe(status: BridgeStatus, running: bool) -> str:
    now = time.time()
    if running:
        head = (f"bridge running (pid {status.pid}, node {status.node}, "
                f"up {_ago(now, status.started)})")
    elif status.state == "running":
        head = (f"bridge not running: pid {status.pid} is gone (killed?); last status "
                f"{_ago(now, status.updated)} ago")
    else:
        head = f"bridge stopped {_ago(now, status.updated)} ago (node {status.node})"
    lines = [head]
    for name, link in status.links.items():
        state = link.state if running else "down"
        line = (f"  {name}: {state} since {_when(link.since)}, last event "
                f"{_when(link.last_event)}, {link.events} events, {link.connects} connects")
        lost = [f"{n} {what}" for n, what in (
            (link.dropped, "events dropped (a handler's queue was full)"),
            (link.oversize, "oversize frames dropped"),
            (link.malformed, "malformed frames skipped")) if n]
        if lost:
            line += (f"; lost: {', '.join(lost)}; {link.resyncs} gap(s) recorded for "
                     "reconciliation")
        if link.last_error and state != "connected":
            line += f"; last error: {link.last_error}"
        lines.append(line)
    return "\n".join(lines)


def _when(epoch: float) -> str:
    if not epoch:
        return "never"
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))


def _ago(now: float, then: float) -> str:
    seconds = max(0, int(now - then))
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m{seconds % 60:02d}s"
