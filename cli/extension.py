"""``voco extension``: phones, their SIP credentials and options (private by default)."""

from __future__ import annotations

import click

from asterisk_bridge.provisioning.encryption import MEDIA, TRANSPORTS
from cli.common import get_app, oplogged
from cli.person import log_sealed, withhold
from cli.provision_output import add_read_commands, changes, emit, json_option

#: The owner's personal data among the options: logged sealed under the owner's key.
PERSONAL = ("name", "email", "mobile")
SHOWN_ONCE = "SIP secret (shown once; put it in the phone now, it cannot be displayed again)"


@click.group("extension")
def extension_group() -> None:
    """Extensions: a number, a PJSIP endpoint with a generated secret, voicemail, WebRTC."""


def _options(fn: click.decorators.FC) -> click.decorators.FC:
    for option in reversed((
        click.option("--name", help="Caller ID name."),
        click.option("--email", help="Contact e-mail address."),
        click.option("--mobile", help="Contact phone number."),
        click.option("--voicemail/--no-voicemail", default=None,
                     help="A mailbox for unanswered calls (default: off)."),
        click.option("--webrtc/--no-webrtc", default=None,
                     help="A browser phone: secure websocket, DTLS-SRTP, ICE, Opus (default: "
                          "off)."),
        click.option("--transport", type=click.Choice(TRANSPORTS),
                     help="SIP signalling: tls (the default), or udp, in clear, for phones on "
                          "a trusted LAN only."),
        click.option("--media-encryption", type=click.Choice(MEDIA),
                     help="SRTP keyed by sdes (the default over TLS) or dtls; none allows plain "
                          "RTP (the default over UDP). Plain offers to an SRTP extension are "
                          "refused."),
    )):
        fn = option(fn)
    return fn


@extension_group.command("add")
@click.argument("number")
@_options
@json_option
@click.pass_context
@oplogged
def add_cmd(ctx: click.Context, number: str, name: str | None, as_json: bool,
            **opts: str | bool | None) -> None:
    """Create extension NUMBER; prints its generated SIP secret once."""
    from asterisk_bridge.provisioning import extensions
    from asterisk_bridge.provisioning.extensions import Extension

    personal = withhold(ctx, *PERSONAL)
    app = get_app(ctx)
    ext = Extension(number=number, name=name if name is not None else number,
                    **changes(**opts))
    secret = extensions.add(app.engine, app.master_key, ext)
    log_sealed(ctx, extensions.owner(app.engine, ext.number), personal)
    emit(ext, as_json, app.engine, note={"secret": secret} if as_json else None)
    if not as_json:
        click.echo(f"{SHOWN_ONCE}: {secret}")


@extension_group.command("set")
@click.argument("number")
@_options
@click.option("--new-secret", is_flag=True, help="Generate a new SIP secret (shown once).")
@json_option
@click.pass_context
@oplogged
def set_cmd(ctx: click.Context, number: str, new_secret: bool, as_json: bool,
            **opts: str | bool | None) -> None:
    """Change extension NUMBER."""
    from asterisk_bridge.provisioning import extensions
    from asterisk_bridge.provisioning.encryption import follow

    personal = withhold(ctx, *PERSONAL)
    app = get_app(ctx)
    ext = extensions.update(app.engine, app.master_key, number, **follow(changes(**opts)))
    log_sealed(ctx, extensions.owner(app.engine, ext.number), personal)
    secret = extensions.reset_secret(app.engine, app.master_key, number) if new_secret else None
    emit(ext, as_json, app.engine, note={"secret": secret} if secret and as_json else None)
    if secret and not as_json:
        click.echo(f"{SHOWN_ONCE}: {secret}")


add_read_commands(extension_group, "extension", "number", "asterisk_bridge.provisioning.extensions",
                  personal="extensions", keyed=True)
