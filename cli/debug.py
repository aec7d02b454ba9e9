"""``voco debug``: Asterisk's full logging, off by default, on only for a time-boxed window."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from asterisk_bridge.errors import ValidationError
from asterisk_bridge.safewrite import private_output
from cli.common import get_app, oplogged, oplogged_read, read_rows
from cli.output import emit_object, object_json_option

DEFAULT_LEVELS = "notice,warning,error,security,verbose(5),dtmf,debug"


@click.group("debug")
def debug_group() -> None:
    """Asterisk's full log (every dialplan step, with caller numbers and names). OFF by
    default: Asterisk then logs errors, warnings and security events only. 'debug on' turns it
    on for a limited time; the log lives in RAM (ram_log_dir) and is deleted when the window
    ends, unless exported (age-encrypted) before."""


@debug_group.command("on")
@click.option("--for", "duration", required=True, help="How long: 90s, 10m, 2h (at most 24h).")
@click.option("--channels", default=DEFAULT_LEVELS, show_default=True,
              help="Logger levels to log, comma-separated.")
@click.pass_context
@oplogged
def on_cmd(ctx: click.Context, duration: str, channels: str) -> None:
    """Turn on full logging until the window expires (a second 'on' extends it)."""
    from asterisk_bridge.debuglog import control
    from asterisk_bridge.oplog import current_actor

    opened = control.turn_on(get_app(ctx), duration, channels, current_actor())
    click.echo(f"debug logging on until {opened.expires_at} (window {opened.id}); it ends by "
               "itself, or with 'voco debug off'")


@debug_group.command("off")
@click.pass_context
@oplogged
def off_cmd(ctx: click.Context) -> None:
    """Turn full logging off now and delete what it wrote."""
    from asterisk_bridge.debuglog import control
    from asterisk_bridge.oplog import current_actor

    ended = control.turn_off(get_app(ctx), current_actor(), "voco debug off")
    click.echo("debug logging off; full log deleted" if ended else
               "debug logging was off; logger.conf is quiet")


@debug_group.command("status")
@object_json_option
@click.pass_context
@oplogged
def status_cmd(ctx: click.Context, as_json: bool) -> None:
    """Whether full logging is on, until when, and how much it wrote (ends an expired one)."""
    from asterisk_bridge.debuglog import control

    emit_object(control.status(get_app(ctx)), as_json,
                lambda s: "\n".join(f"{k}: {v}" for k, v in s.items()))


@debug_group.command("export")
@click.option("-o", "--output", default="-", show_default=True,
              help="File to write, or - for standard output.")
@click.option("--age-recipient", "age_recipients", multiple=True, required=True,
              help="Encrypt to this age (age1…) or SSH public key; repeatable.")
@click.pass_context
@oplogged_read("debug log")
def export_cmd(ctx: click.Context, output: str, age_recipients: tuple[str, ...]) -> None:
    """Write the full log so far as an age file (the only way to keep it past its window)."""
    from asterisk_bridge.crypto import age
    from asterisk_bridge.debuglog import control

    app = get_app(ctx)
    age.recipients(age_recipients)
    if output == "-":
        if sys.stdout.isatty():
            raise ValidationError("output: refusing to write binary to a terminal; use -o FILE")
        control.export(app, sys.stdout.buffer, age_recipients)
    else:
        with private_output(Path(output).expanduser()) as out:
            control.export(app, out, age_recipients)
        click.echo(f"exported the debug log to {output}", err=True)
    read_rows(1)
