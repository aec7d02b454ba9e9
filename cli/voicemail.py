"""``voco voicemail``: list, show, export, delete (crypto-shred) and sweep voicemail; set a
mailbox PIN; choose the privacy notice."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

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

COLUMNS = (
    Column("ID", lambda r: r.id),
    Column("MAILBOX", lambda r: r.mailbox),
    Column("RECEIVED (UTC)", lambda r: r.received_at),
    Column("SECONDS", lambda r: f"{r.duration_s:.1f}", right=True),
    Column("STATE", lambda r: "old" if r.heard_at else "new"),
    Column("TRANSCRIPT", lambda r: (f"failed: {r.transcript_error}" if r.transcript_status
                                    == "failed" else r.transcript_status or "-")),
)


@click.group("voicemail")
def voicemail_group() -> None:
    """Voicemail messages, sealed in the encrypted store."""


@voicemail_group.command("list")
@click.option("--mailbox", help="Only this mailbox (extension number, or box@context).")
@click.option("--new", "new_only", is_flag=True, help="Only messages not yet heard.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many.")
@list_json_option
@click.pass_context
@oplogged_read("voicemail")
def list_cmd(ctx: click.Context, mailbox: str | None, new_only: bool, limit: int | None,
             as_json: bool) -> None:
    """List messages, oldest first (never the caller: see 'voco voicemail show')."""
    from asterisk_bridge.voicemail import query

    rows = query.messages(get_app(ctx), mailbox, new_only=new_only, limit=limit)
    read_rows(len(rows))
    emit_list(rows, as_json, COLUMNS, query.as_dict, "no voicemail")


@voicemail_group.command("show")
@click.argument("message_id")
@object_json_option
@click.pass_context
@oplogged_read("voicemail")
def show_cmd(ctx: click.Context, message_id: str, as_json: bool) -> None:
    """Show a message: its caller, its transcript and its privacy-notice evidence."""
    from asterisk_bridge.voicemail import query

    shown = query.describe(get_app(ctx), message_id)
    read_rows(1)
    emit_object(shown, as_json, _describe)


def _describe(shown: Mapping[str, Any]) -> str:
    msg = shown["message"]
    lines = [f"voicemail {msg['id']}"] + [f"  {k}: {text(v)}" for k, v in msg.items()
                                          if k != "id"]
    lines.append(f"transcript: {shown['transcript'] if shown['transcript'] is not None else '-'}")
    rows = shown["evidence"]
    lines.append("evidence:" + ("" if rows else " none"))
    lines += [f"  {line}" for line in table(rows, EVIDENCE_COLUMNS)] if rows else []
    return "\n".join(lines)


@voicemail_group.command("export")
@click.argument("message_id")
@export_options("WAV")
@click.pass_context
@oplogged_read("voicemail audio")
def export_cmd(ctx: click.Context, message_id: str, output: str,
               age_recipients: tuple[str, ...]) -> None:
    """Decrypt a message to a WAV, or to an age file readable with ``age -d``."""
    from asterisk_bridge.voicemail.vault import open_audio

    app = get_app(ctx)
    write_plaintext(lambda: open_audio(app, message_id), message_id, output, age_recipients)
    read_rows(1)


@voicemail_group.command("delete")
@click.argument("message_id")
@click.option("--reason", required=True, help="Why it is deleted (kept in the tombstone).")
@click.pass_context
@oplogged
def delete_cmd(ctx: click.Context, message_id: str, reason: str) -> None:
    """Crypto-shred a message and its transcript: keys destroyed, files removed, tombstone
    left. The phones' message-waiting indicator follows at the bridge's next sweep."""
    from asterisk_bridge.oplog import current_actor
    from asterisk_bridge.voicemail import shred

    stone = shred.delete_message(get_app(ctx), message_id, reason, current_actor())
    click.echo(f"deleted {stone.message_id} at {stone.deleted_at} by {stone.deleted_by}")


@voicemail_group.command("sweep")
@click.pass_context
@oplogged
def sweep_cmd(ctx: click.Context) -> None:
    """Seal whatever the voicemail spool holds now (what the bridge does; for use while it is
    down)."""
    from asterisk_bridge.voicemail import spool, sweep
    from asterisk_bridge.voicemail.transcribe import settings as transcription
    from asterisk_bridge.voicemail.vault import VoicemailStoreError

    app = get_app(ctx)
    report = sweep.sweep(app, spool.spool_root(app.config.asterisk),
                         transcribe=transcription.enabled(app.engine), startup=True)
    click.echo(f"stored {len(report.stored)}, failed {len(report.failed)}")
    if report.failed:
        error = next(iter(report.failed.values()))
        raise VoicemailStoreError(f"{len(report.failed)} message(s) not stored, first: {error}")


@voicemail_group.command("retranscribe")
@click.argument("message_id")
@click.pass_context
@oplogged
def retranscribe_cmd(ctx: click.Context, message_id: str) -> None:
    """Make a failed transcription due again now (the bridge retries it)."""
    from asterisk_bridge.voicemail.transcribe import worker

    worker.retry(get_app(ctx), message_id)
    click.echo(f"transcription of {message_id} is due again")


@voicemail_group.command("pin")
@click.argument("mailbox")
@click.option("--pin", prompt=True, hide_input=True, confirmation_prompt=True,
              help="4 to 12 digits; prompted for (hidden) when not given.")
@click.pass_context
@oplogged
def pin_cmd(ctx: click.Context, mailbox: str, pin: str) -> None:
    """Set the PIN that opens MAILBOX on the phone (stored only as a salted scrypt hash)."""
    from asterisk_bridge.voicemail import pins

    full = pins.set_pin(get_app(ctx).engine, mailbox, pin)
    click.echo(f"PIN set for {full}")


@voicemail_group.command("notice")
@click.argument("prompt_name", required=False)
@click.option("--default", "use_default", is_flag=True, help="Go back to the spoken default.")
@click.pass_context
@oplogged
def notice_cmd(ctx: click.Context, prompt_name: str | None, use_default: bool) -> None:
    """Play uploaded prompt PROMPT_NAME as the privacy notice (run 'voco apply' after)."""
    from asterisk_bridge.voicemail import notice

    if use_default == bool(prompt_name):
        raise click.UsageError("give PROMPT_NAME or --default")
    notice.assign(get_app(ctx).engine, None if use_default else prompt_name)
    click.echo(f"voicemail notice: {prompt_name or 'default'}; run 'voco apply'")

