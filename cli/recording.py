"""``voco recording``: list, show, export, delete (crypto-shred) and check encrypted recordings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from asterisk_bridge.cdr.channel_names import endpoint
from asterisk_bridge.errors import AsteriskError, ExitCode
from cli.common import get_app, oplogged, oplogged_read, read_rows
from cli.export_out import export_options, write_plaintext
from cli.live import EVIDENCE_COLUMNS
from cli.output import (
    Column,
    emit_list,
    emit_object,
    list_json_option,
    object_json_option,
    table,
    text,
)

if TYPE_CHECKING:
    from asterisk_bridge.context import App


@click.group("recording")
def recording_group() -> None:
    """Encrypted call recordings."""


@recording_group.command("list")
@click.option("--linkedid", help="Only the recordings of this call.")
@click.option("--since", help="ISO time, inclusive (start of recording).")
@click.option("--until", help="ISO time, exclusive.")
@click.option("--partial/--complete", default=None, help="Only partial / only complete ones.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many.")
@list_json_option
@click.pass_context
@oplogged_read("recordings")
def list_cmd(ctx: click.Context, as_json: bool, **filters: object) -> None:
    """List recordings, oldest first: ON is the recorded extension or trunk, PARTIAL says the
    recorder never finished (e.g. Asterisk crashed), CALLER and CALLEE who called whom (when
    the recording began; "(erased)" once that person was erased)."""
    from asterisk_bridge.recording import query

    app = get_app(ctx)
    rows = query.recordings(app.engine, query.Filters(**filters))  # type: ignore[arg-type]
    read_rows(len(rows))
    emit_list(query.with_parties(app.engine, app.master_key, rows), as_json, RECORDING_COLUMNS,
              dict, "no recordings")


RECORDING_COLUMNS = (
    Column("ID", lambda r: r["id"]),
    Column("START (UTC)", lambda r: datetime.fromisoformat(str(r["started_at"]))),
    Column("SECONDS", lambda r: f"{r['duration_s']:.1f}", right=True),
    Column("ON", lambda r: endpoint(str(r["channel"]))),
    Column("PARTIAL", lambda r: "partial" if r["partial"] else ""),
    Column("CALLER", lambda r: r["caller"]),
    Column("CALLEE", lambda r: r["callee"]),
)


@recording_group.command("show")
@click.argument("recording_id")
@object_json_option
@click.pass_context
@oplogged_read("recordings")
def show_cmd(ctx: click.Context, recording_id: str, as_json: bool) -> None:
    """Show a recording, its call's CDR records, its paused spans and its call's consent
    evidence (never its key)."""
    from asterisk_bridge.recording import query

    app = get_app(ctx)
    described = query.describe(app, recording_id)
    read_rows(1)
    emit_object(described, as_json, _describe)


CDR_COLUMNS = (
    Column("CDR", lambda r: r["cdr"], right=True),
    Column("FROM", lambda r: r["from"]),
    Column("TO", lambda r: r["to"]),
    Column("DISPOSITION", lambda r: r["disposition"]),
    Column("BILLSEC", lambda r: r["billsec"], right=True),
    Column("RECORDING", lambda r: r["recording"]),
    Column("CONSENT", lambda r: r["consent"]),
)


def _describe(shown: Mapping[str, Any]) -> str:
    rec = shown["recording"]
    lines = [f"recording {rec['id']}"] + [f"  {k}: {text(v)}" for k, v in rec.items()
                                          if k != "id"]
    spans = [f"{p['from']} - {p['to'] or 'the end'}" for p in shown["pauses"]]
    lines.append(f"paused: {'; '.join(spans) or 'never'}")
    for title, rows, columns in (("call (CDR records)", shown["call"], CDR_COLUMNS),
                                 ("consent evidence", shown["evidence"], EVIDENCE_COLUMNS)):
        lines.append(f"{title}:" + ("" if rows else " none"))
        lines += [f"  {line}" for line in table(rows, columns)] if rows else []
    return "\n".join(lines)


@recording_group.command("export")
@click.argument("recording_id")
@export_options("WAV")
@click.pass_context
@oplogged_read("recording audio")
def export_cmd(ctx: click.Context, recording_id: str, output: str,
               age_recipients: tuple[str, ...]) -> None:
    """Decrypt a recording to a WAV, or to an age file readable with ``age -d``."""
    from asterisk_bridge.recording.vault import open_plaintext

    app = get_app(ctx)
    write_plaintext(lambda: open_plaintext(app, recording_id), recording_id, output,
                    age_recipients)
    read_rows(1)


@recording_group.command("delete")
@click.argument("recording_id")
@click.option("--reason", required=True, help="Why it is deleted (kept in the tombstone).")
@click.pass_context
@oplogged
def delete_cmd(ctx: click.Context, recording_id: str, reason: str) -> None:
    """Crypto-shred a recording: key destroyed, file removed, tombstone left."""
    from asterisk_bridge.oplog import current_actor
    from asterisk_bridge.recording import shred

    stone = shred.delete(get_app(ctx), recording_id, reason, current_actor())
    click.echo(f"deleted {stone.recording_id} at {stone.deleted_at} by {stone.deleted_by}")


@recording_group.command("check")
@click.option("--verify", is_flag=True, help="Also re-hash every ciphertext file.")
@object_json_option
@click.pass_context
def check_cmd(ctx: click.Context, verify: bool, as_json: bool) -> None:
    """Report files without rows, rows without files or keys; exit 1 if any."""
    from asterisk_bridge.recording import check

    report = check.check(get_app(ctx), verify_hashes=verify)
    emit_object({"rows": report.rows, "consistent": not report.problems,
                 "problems": report.problems}, as_json, _report)
    if report.problems:
        ctx.exit(ExitCode.FAILURE)


def _report(r: Mapping[str, Any]) -> str:
    if r["consistent"]:
        return f"recordings consistent: {r['rows']} rows, each with its file and key"
    return "\n".join(f"{kind.replace('_', ' ')}: {rec_id}"
                     for kind, ids in r["problems"].items() for rec_id in ids)


@recording_group.command("sweep")
@click.pass_context
@oplogged
def sweep_cmd(ctx: click.Context) -> None:
    """Store whatever the spool holds now (what the bridge does; for use while it is down)."""
    import asyncio

    from asterisk_bridge.recording import pipeline, spool
    from asterisk_bridge.recording.vault import RecordingStoreError

    app = get_app(ctx)
    try:
        active: set[str] | None = asyncio.run(_active(app))
    except AsteriskError as exc:
        click.echo(f"warning: {exc}; only finished recordings are stored", err=True)
        active = None
    report = pipeline.sweep(app, spool.spool_path(app.config.asterisk), active, startup=True)
    click.echo(f"stored {len(report.stored)}, partial {len(report.partial)}, "
               f"failed {len(report.failed)}, still recording {report.recording}")
    if report.failed:
        error = next(iter(report.failed.values()))
        raise RecordingStoreError(f"{len(report.failed)} recording(s) not stored, first: {error}")


async def _active(app: App) -> set[str]:
    from asterisk_bridge.bridge.amiclient import ami_session
    from asterisk_bridge.recording import pipeline

    async with ami_session(app.config.asterisk) as ami:
        return await pipeline.active_uniqueids(ami.action)
