"""``voco smtp``: the SMTP door notifications leave by. Off after 'voco init'."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from asterisk_bridge.errors import ValidationError, VocoError
from asterisk_bridge.notifications.choices import SMTP_MODES, SMTP_SECURITY
from asterisk_bridge.provisioning import validate
from cli.common import get_app, oplogged
from cli.output import emit_object, object_json_option

if TYPE_CHECKING:
    from asterisk_bridge.notifications.smtp_settings import Smtp

_NOT_LOGGED_ADDRESS = "(an address: not logged)"


@click.group("smtp")
def smtp_group() -> None:
    """The SMTP door: OFF by default. 'default' hands mail to this machine's own mail
    transfer agent (127.0.0.1:25); 'custom' sends through a relay over implicit TLS or
    STARTTLS with its certificate verified (plain SMTP only to a loopback address, and only
    with --allow-plain). The door stores nothing: no outbox, no message in any log or table;
    a message that cannot be delivered is retried a few times in memory, then dropped, and
    only the fact is kept."""


@smtp_group.command("set")
@click.argument("mode", type=click.Choice(SMTP_MODES))
@click.option("--host", help="custom: the relay's host name or address.")
@click.option("--port", type=int, help="custom: its port (default 465 tls, 587 starttls, 25 "
              "plain).")
@click.option("--security", type=click.Choice(SMTP_SECURITY), default="starttls",
              show_default=True, help="custom: implicit TLS, STARTTLS, or plain (loopback only).")
@click.option("--allow-plain", is_flag=True, help="custom: accept plain SMTP (loopback only).")
@click.option("--user", default="", help="custom: the user to log in as.")
@click.option("--password-stdin", is_flag=True, help="custom: read the password from stdin.")
@click.option("--password-file", type=click.Path(dir_okay=False, exists=True),
              help="custom: read the password from this file.")
@click.option("--ca-file", type=click.Path(dir_okay=False, exists=True),
              help="custom: pin this CA bundle (PEM) for a private relay.")
@click.option("--sender", default="", help="The From address (default voco@<this host>).")
@click.pass_context
@oplogged
def set_cmd(ctx: click.Context, mode: str, host: str | None, port: int | None, security: str,
            allow_plain: bool, user: str, password_stdin: bool, password_file: str | None,
            ca_file: str | None, sender: str) -> None:
    """Turn the door off, use the machine's own MTA, or a custom relay."""
    from asterisk_bridge.notifications import smtp_settings
    app = get_app(ctx)
    password = None
    if mode == "custom":
        if not host:
            raise ValidationError("host: 'custom' needs --host")
        settings = smtp_settings.check_custom(host, port, security, allow_plain, ca_file or "",
                                              sender, user)
        if password_stdin and password_file:
            raise ValidationError("password: give --password-stdin or --password-file, not "
                                  "both")
        if password_stdin:
            password = sys.stdin.readline()
        elif password_file:
            password = Path(password_file).read_text(encoding="utf-8")
        if user and password is None:
            raise ValidationError("password: --user needs --password-stdin or "
                                  "--password-file")
    else:
        if host or port or user or password_stdin or password_file or ca_file:
            raise ValidationError(f"'{mode}' takes no relay options (only 'custom' does)")
        settings = smtp_settings.Smtp(mode, sender=validate.email(sender, "sender")
                                      if sender else "")
    smtp_settings.store(app.engine, app.master_key, settings, password)
    click.echo(_describe(smtp_settings.current(app.engine)))


def _describe(s: Smtp) -> str:
    if s.mode == "off":
        return "smtp: off (no e-mail is sent)"
    auth = f", as {s.username}" if s.username else ""
    pin = f", CA pinned {s.ca_file}" if s.ca_file else ""
    return f"smtp: {s.mode} {s.host}:{s.port} {s.security}{auth}{pin}, from {s.sender}"


@smtp_group.command("show")
@object_json_option
@click.pass_context
def show_cmd(ctx: click.Context, as_json: bool) -> None:
    """The door's settings (never the password)."""
    from asterisk_bridge.notifications import smtp_settings
    emit_object(smtp_settings.current(get_app(ctx).engine).as_dict(), as_json,
                lambda d: _describe(smtp_settings.Smtp(**d)))


@smtp_group.command("test")
@click.option("--to", required=True, help="Where to send the test message.")
@click.pass_context
@oplogged
def test_cmd(ctx: click.Context, to: str) -> None:
    """Send a test message now and say how it went."""
    from asterisk_bridge.notifications import smtp, smtp_settings
    ctx.params["to"] = _NOT_LOGGED_ADDRESS
    app = get_app(ctx)
    address = validate.email(to, "to")
    door = smtp_settings.door(app.engine, app.master_key)
    if door is None:
        raise VocoError("smtp is off: turn it on with 'voco smtp set default|custom'")
    msg = smtp.compose(door, address, "Voco test message",
                       "This is a test message from Voco. Nothing else was sent.")
    import asyncio
    outcome = asyncio.run(smtp.deliver(door, msg, attempts=1))
    if not outcome.ok:
        raise VocoError(f"test message not delivered: {outcome.error}")
    click.echo(f"test message accepted by {door.host}:{door.port}")


def register(group: click.Group) -> None:
    """Add the group to the top-level group."""
    group.add_command(smtp_group)
