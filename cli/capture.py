"""``voco capture``: time-boxed packet captures of the PBX's SIP/RTP, sealed at rest."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.common import get_app, oplogged, oplogged_read, read_rows
from cli.export_out import export_options, write_plaintext
from cli.output import Column, emit_list, emit_object, list_json_option, object_json_option

if TYPE_CHECKING:
    from asterisk_bridge.store.models.capture import Capture


@click.group("capture")
def capture_group() -> None:
    """Packet captures for troubleshooting (they hold call parties' numbers and names, and
    RTP audio). Nothing is captured until an administrator starts one: dumpcap writes into
    the RAM spool (ram_log_dir) and stops by itself at its deadline or size cap, even if Voco
    dies; the file is then sealed into the store under its own key. Delete crypto-shreds it;
    retention category 'captures' applies."""


@capture_group.command("start")
@click.option("--for", "duration", required=True, help="How long: 90s, 10m, 2h (at most 4h).")
@click.option("--sip", "scope", flag_value="sip", default=True, help="SIP signalling only "
              "(default).")
@click.option("--rtp", "scope", flag_value="rtp", help="RTP media only.")
@click.option("--all", "scope", flag_value="all", help="SIP and RTP.")
@click.option("--max-size", default="100M", show_default=True,
              help="Stop at this size (64K to 1G).")
@click.pass_context
@oplogged
def start_cmd(ctx: click.Context, duration: str, scope: str, max_size: str) -> None:
    """Start a capture; prints its id."""
    from asterisk_bridge.capture import control
    from asterisk_bridge.oplog import current_actor

    row = control.start(get_app(ctx), duration, scope, max_size, current_actor())
    click.echo(f"{row.id}: capturing {row.scope} ({row.bpf}) until {row.deadline_at} or "
               f"{row.max_bytes} bytes")


@capture_group.command("stop")
@click.argument("capture_id")
@click.pass_context
@oplogged
def stop_cmd(ctx: click.Context, capture_id: str) -> None:
    """Stop a running capture now and seal it."""
    from asterisk_bridge.capture import control
    from asterisk_bridge.oplog import current_actor

    row = control.stop(get_app(ctx), capture_id, current_actor())
    click.echo(f"{row.id}: {row.state} ({row.plain_size or 0} bytes captured)")


CAPTURE_COLUMNS = (
    Column("ID", lambda r: r.id),
    Column("START (UTC)", lambda r: r.started_at),
    Column("SCOPE", lambda r: r.scope),
    Column("STATE", lambda r: r.state),
    Column("BYTES", lambda r: r.plain_size or "", right=True),
    Column("STOPPED BY", lambda r: r.stop_reason or ""),
)


@capture_group.command("list")
@list_json_option
@click.pass_context
@oplogged
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """Every capture (running, sealed, failed, deleted); seals finished ones first."""
    from asterisk_bridge.capture import control

    rows: list[Capture] = control.captures(get_app(ctx))
    emit_list(rows, as_json, CAPTURE_COLUMNS, control.as_dict, "no captures")


@capture_group.command("show")
@click.argument("capture_id")
@object_json_option
@click.pass_context
@oplogged
def show_cmd(ctx: click.Context, capture_id: str, as_json: bool) -> None:
    """One capture's record (never its key)."""
    from asterisk_bridge.capture import control

    shown = control.as_dict(control.get(get_app(ctx), capture_id))
    emit_object(shown, as_json, lambda s: "\n".join(f"{k}: {v}" for k, v in s.items()))


@capture_group.command("export")
@click.argument("capture_id")
@export_options("pcap", age_required=True)
@click.pass_context
@oplogged_read("packet capture")
def export_cmd(ctx: click.Context, capture_id: str, output: str,
               age_recipients: tuple[str, ...]) -> None:
    """Write a capture's pcap as an age file (read it with 'age -d', then tshark)."""
    from asterisk_bridge.capture import control

    app = get_app(ctx)
    write_plaintext(lambda: control.plaintext(app, capture_id), capture_id, output,
                    age_recipients, content="binary")
    read_rows(1)


@capture_group.command("delete")
@click.argument("capture_id")
@click.option("--reason", required=True, help="Why (kept in the tombstone).")
@click.pass_context
@oplogged
def delete_cmd(ctx: click.Context, capture_id: str, reason: str) -> None:
    """Crypto-shred a capture: its key is destroyed, then its file; a tombstone stays."""
    from asterisk_bridge.capture import control
    from asterisk_bridge.oplog import current_actor

    row = control.delete(get_app(ctx), capture_id, reason, current_actor())
    click.echo(f"{row.id}: deleted for good")
