"""``voco oplog``: read and verify the operation log."""

from __future__ import annotations

import json

import click

from asterisk_bridge import oplog as log
from cli.common import get_app
from cli.output import Column, emit_list, emit_object, list_json_option, object_json_option

ENTRY_COLUMNS = (
    Column("SEQ", lambda e: e["seq"], right=True),
    Column("TIME (UTC)", lambda e: e["ts"]),
    Column("ACTOR", lambda e: e["actor"]),
    Column("RESULT", lambda e: e["result"]),
    Column("COMMAND", lambda e: e["command"]),
    Column("ARGUMENTS, MESSAGE", lambda e: json.dumps(e["args"]) + (f"  {e['message']}"
                                                                    if e["message"] else "")),
)


@click.group("oplog")
def oplog_group() -> None:
    """The tamper-evident operation log."""


@oplog_group.command("list")
@click.option("--command", help="Only commands starting with this (e.g. 'db').")
@click.option("--actor", help="Only this actor.")
@click.option("--result", type=click.Choice(["ok", "error"]), help="Only this outcome.")
@click.option("--since", help="ISO time, inclusive (e.g. 2026-11-29 or 2026-11-29T10:00).")
@click.option("--until", help="ISO time, exclusive.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many entries.")
@list_json_option
@click.pass_context
def list_cmd(ctx: click.Context, as_json: bool, **filters: str | None) -> None:
    """List entries, oldest first."""
    app = get_app(ctx)
    entries = [{"seq": e.seq, "ts": e.ts, "actor": e.actor, "command": e.command,
                "args": json.loads(e.args), "result": e.result, "message": e.message}
               for e in log.entries(app.engine, log.Filters(**filters))]  # type: ignore[arg-type]
    emit_list(entries, as_json, ENTRY_COLUMNS, dict, "no matching entries")


@oplog_group.command("verify")
@object_json_option
@click.pass_context
def verify_cmd(ctx: click.Context, as_json: bool) -> None:
    """Check the hash chain; exit non-zero naming the first bad entry."""
    app = get_app(ctx)
    report = log.verify(app.engine, app.master_key)
    emit_object({"intact": True, "entries": report.entries}, as_json,
                lambda r: f"operation log intact: {r['entries']} entries")


def register(group: click.Group) -> None:
    """Add the group to the top-level group."""
    group.add_command(oplog_group)
