"""``voco recording``: list, show, export, delete (crypto-shred) and check encrypted recordings."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import BinaryIO

import click

from asterisk_bridge.amiclient import ami_session
from asterisk_bridge.context import App
from asterisk_bridge.errors import AsteriskError, ValidationError
from asterisk_bridge.oplog import current_actor
from asterisk_bridge.recording import check, export, pipeline, query, shred, spool
from asterisk_bridge.recording.vault import RecordingStoreError
from asterisk_bridge.safewrite import private_output
from cli.common import get_app, oplogged, oplogged_read, read_rows


@click.group("recording")
def recording_group() -> None:
    """Encrypted call recordings."""


@recording_group.command("list")
@click.option("--linkedid", help="Only the recordings of this call.")
@click.option("--since", help="ISO time, inclusive (start of recording).")
@click.option("--until", help="ISO time, exclusive.")
@click.option("--partial/--complete", default=None, help="Only partial / only complete ones.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
@oplogged_read("recordings")
def list_cmd(ctx: click.Context, as_json: bool, **filters: object) -> None:
    """List recordings, oldest first."""
    rows = query.recordings(get_app(ctx).engine, query.Filters(**filters))  # type: ignore[arg-type]
    read_rows(len(rows))
    for row in rows:
        if as_json:
            click.echo(json.dumps(query.as_dict(row)))
        else:
            flag = " partial" if row.partial else ""
            click.echo(f"{row.id}  {row.started_at}  {row.duration_s:8.1f}s  {row.parties}{flag}")


@recording_group.command("show")
@click.argument("recording_id")
@click.pass_context
@oplogged_read("recordings")
def show_cmd(ctx: click.Context, recording_id: str) -> None:
    """Show a recording, its paused spans and its call's consent evidence (never its key)."""
    described = query.describe(get_app(ctx).engine, recording_id)
    read_rows(1)
    click.echo(json.dumps(described, indent=1))


@recording_group.command("export")
@click.argument("recording_id")
@click.option("-o", "--output", default="-", show_default=True,
              help="File to write, or - for standard output.")
@click.option("--age-recipient", "age_recipients", multiple=True,
              help="Encrypt the WAV to this age (age1…) or SSH public key; repeatable.")
@click.pass_context
@oplogged_read("recording audio")
def export_cmd(ctx: click.Context, recording_id: str, output: str,
               age_recipients: tuple[str, ...]) -> None:
    """Decrypt a recording to a WAV, or to an age file readable with ``age -d``."""
    app = get_app(ctx)
    if age_recipients:
        export.age_recipients(age_recipients)  # refuse a bad recipient before any work
    if output == "-":
        stdout = sys.stdout.buffer
        if stdout.isatty():
            raise ValidationError("output: refusing to write audio to a terminal; use -o FILE")
        _export(app, recording_id, stdout, age_recipients)
        read_rows(1)
        return
    with private_output(Path(output).expanduser()) as out:
        _export(app, recording_id, out, age_recipients)
    read_rows(1)
    click.echo(f"exported {recording_id} to {output}", err=True)


def _export(app: App, recording_id: str, out: BinaryIO, age_recipients: tuple[str, ...]) -> None:
    if age_recipients:
        export.write_age(app, recording_id, out, age_recipients)
    else:
        export.write_wav(app, recording_id, out)


@recording_group.command("delete")
@click.argument("recording_id")
@click.option("--reason", required=True, help="Why it is deleted (kept in the tombstone).")
@click.pass_context
@oplogged
def delete_cmd(ctx: click.Context, recording_id: str, reason: str) -> None:
    """Crypto-shred a recording: key destroyed, file removed, tombstone left."""
    stone = shred.delete(get_app(ctx), recording_id, reason, current_actor())
    click.echo(f"deleted {stone.recording_id} at {stone.deleted_at} by {stone.deleted_by}")


@recording_group.command("check")
@click.option("--verify", is_flag=True, help="Also re-hash every ciphertext file.")
@click.pass_context
def check_cmd(ctx: click.Context, verify: bool) -> None:
    """Report files without rows, rows without files or keys; exit 1 if any."""
    report = check.check(get_app(ctx), verify_hashes=verify)
    for kind, ids in report.problems.items():
        for rec_id in ids:
            click.echo(f"{kind.replace('_', ' ')}: {rec_id}")
    if report.problems:
        ctx.exit(1)
    click.echo(f"recordings consistent: {report.rows} rows, each with its file and key")


@recording_group.command("sweep")
@click.pass_context
@oplogged
def sweep_cmd(ctx: click.Context) -> None:
    """Store whatever the spool holds now (what the bridge does; for use while it is down)."""
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
    async with ami_session(app.config.asterisk) as ami:
        return await pipeline.active_uniqueids(ami.action)


def register(group: click.Group) -> None:
    """Add the group to the top-level group."""
    group.add_command(recording_group)
