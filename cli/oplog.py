"""``voco oplog``: read and verify the operation log."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import click

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
@click.option("--actor", help="Only this OS user (entries it made through sudo included).")
@click.option("--result", type=click.Choice(["ok", "error"]), help="Only this outcome.")
@click.option("--since", help="ISO time, inclusive (e.g. 2026-11-29 or 2026-11-29T10:00).")
@click.option("--until", help="ISO time, exclusive.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many entries.")
@list_json_option
@click.pass_context
def list_cmd(ctx: click.Context, as_json: bool, **filters: str | None) -> None:
    """List entries, oldest first."""
    from asterisk_bridge import oplog as log

    app = get_app(ctx)
    entries = [{"seq": e.seq, "ts": e.ts, "actor": e.actor, "command": e.command,
                "args": json.loads(e.args), "result": e.result, "message": e.message}
               for e in log.entries(app.engine, log.Filters(**filters))]  # type: ignore[arg-type]
    emit_list(entries, as_json, ENTRY_COLUMNS, dict, "no matching entries")


@oplog_group.command("verify")
@object_json_option
@click.pass_context
def verify_cmd(ctx: click.Context, as_json: bool) -> None:
    """Check the log from its genesis to its head; exit non-zero saying what was tampered with
    (edited, deleted, inserted, reordered, truncated, wiped or restarted)."""
    from asterisk_bridge import oplog as log

    app = get_app(ctx)
    report = log.verify(app.engine, app.master_key, app.config.oplog_anchor)
    emit_object({"intact": True, "entries": report.entries, "began": report.began,
                 "restarted_from": report.restarted_from or None,
                 "restart_reason": report.reason or None}, as_json, _verified_text)


def _verified_text(r: Mapping[str, Any]) -> str:
    text = f"operation log intact: {r['entries']} entries since {r['began']}"
    if r["restarted_from"]:
        text += (f"\nrestarted: the previous log ({r['restarted_from']}) was discarded: "
                 f"{r['restart_reason']}")
    return text


@oplog_group.command("restart")
@click.option("--reason", required=True, help="Why the log begins again (kept in its genesis).")
@click.pass_context
def restart_cmd(ctx: click.Context, reason: str) -> None:
    """Begin a new log in a database whose log is gone (dropped, or discarded by a downgrade).

    Refused while any of the old log remains. The new log's genesis names the discarded one and
    the reason, and 'voco oplog verify' shows both for ever after.
    """
    from asterisk_bridge import oplog as log

    app = get_app(ctx)
    made = log.restart(app.engine, app.master_key, app.config.oplog_anchor, reason)
    click.echo(f"operation log restarted at {made.created_at} (installation {made.installation})")
