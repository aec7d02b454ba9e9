"""``voco tls``: the node's certificate for SIP over TLS, HTTPS/WSS, DTLS-SRTP and AMI/ARI TLS."""

from __future__ import annotations

from pathlib import Path

import click

from asterisk_bridge.errors import ValidationError
from asterisk_bridge.tls.choices import RENEW_WITHIN_DAYS, SERVER_DAYS
from cli.common import get_app, oplogged
from cli.output import emit_object, object_json_option

APPLY_HINT = "run 'voco apply' so Asterisk uses it"


@click.group("tls")
def tls_group() -> None:
    """The node's TLS certificate: Voco's private CA, or the admin's own."""


def _emit(ctx: click.Context, as_json: bool, note: str = "") -> None:
    from asterisk_bridge.tls.store import TlsStore
    current = TlsStore.of(get_app(ctx).config).require()
    data = current.to_dict()
    emit_object({**data, "note": note} if note else data, as_json)


@tls_group.command("create")
@click.option("--host", "hosts", multiple=True,
              help="A name or address phones use to reach the PBX (repeatable; default: this "
                   "host's name, localhost, 127.0.0.1 and sip_bind).")
@click.option("--days", type=click.IntRange(1, SERVER_DAYS), default=SERVER_DAYS,
              show_default=True, help="Validity of the server certificate.")
@object_json_option
@click.pass_context
@oplogged
def create_cmd(ctx: click.Context, hosts: tuple[str, ...], days: int, as_json: bool) -> None:
    """Issue a server certificate from Voco's private CA (created once, then kept).

    Phones and browsers trust the CA certificate ('ca' in the output), which stays the same
    across renewals. Replaces an installed certificate of the admin's own.
    """
    app = get_app(ctx)
    from asterisk_bridge.tls.store import TlsStore, default_hosts
    names = list(hosts) or default_hosts(app.config.asterisk.sip_bind)
    TlsStore.of(app.config).create(names, days)
    _emit(ctx, as_json, APPLY_HINT)


@tls_group.command("install")
@click.option("--cert", "cert_file", required=True, type=click.Path(dir_okay=False, exists=True),
              help="PEM file: the server certificate, then its intermediates.")
@click.option("--key", "key_file", required=True, type=click.Path(dir_okay=False, exists=True),
              help="PEM file: its unencrypted private key (copied 0600; never shown).")
@object_json_option
@click.pass_context
@oplogged
def install_cmd(ctx: click.Context, cert_file: str, key_file: str, as_json: bool) -> None:
    """Use the admin's own certificate and key instead of Voco's CA."""
    app = get_app(ctx)
    try:
        cert, key = Path(cert_file).read_bytes(), Path(key_file).read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read {exc.filename}: {exc.strerror}") from None
    from asterisk_bridge.tls.store import TlsStore
    TlsStore.of(app.config).install(cert, key)
    _emit(ctx, as_json, APPLY_HINT)


@tls_group.command("renew")
@click.option("--within-days", type=click.IntRange(1, 365), default=RENEW_WITHIN_DAYS,
              show_default=True, help="Renew when the certificate expires within this many days.")
@object_json_option
@click.pass_context
@oplogged
def renew_cmd(ctx: click.Context, within_days: int, as_json: bool) -> None:
    """Reissue Voco's certificate if it expires soon (run it daily, then 'voco apply').

    An admin's own certificate that is due makes this fail (exit 1) with its expiry date, so a
    timer's failure is the reminder.
    """
    from asterisk_bridge.tls.store import TlsStore
    renewed = TlsStore.of(get_app(ctx).config).renew(within_days)
    _emit(ctx, as_json, APPLY_HINT if renewed else "not due; nothing changed")


@tls_group.command("show")
@object_json_option
@click.pass_context
def show_cmd(ctx: click.Context, as_json: bool) -> None:
    """The certificate in force: names, issuer, expiry, fingerprint (never the key)."""
    _emit(ctx, as_json)

