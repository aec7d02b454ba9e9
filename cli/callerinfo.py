"""``voco popup`` and ``voco crm``: inbound callers shown to other applications (each door a
grant; listed and revoked with 'voco grants')."""

from __future__ import annotations

import sys

import click

from cli.common import get_app, oplogged


@click.group("popup")
def popup_group() -> None:
    """Popup URL: each incoming call's number and name (and the number called) POSTed to an
    application while the call rings, signed (HMAC-SHA256 over timestamp and body) so it can
    trust the request. Off until set; HTTPS unless the receiver is on this host. Needs
    'voco apply' and a running bridge."""


@popup_group.command("add")
@click.argument("name")
@click.option("--party", required=True, help="Who receives the calls' numbers.")
@click.option("--url", required=True, help="Where to POST (https://, or http:// to loopback).")
@click.option("--until", help="Last day (YYYY-MM-DD) or time; default: until revoked.")
@click.pass_context
@oplogged
def popup_add_cmd(ctx: click.Context, name: str, party: str, url: str,
                  until: str | None) -> None:
    """Open the popup door; prints the signing key once."""
    from asterisk_bridge.callerinfo.doors import open_popup
    from asterisk_bridge.oplog import current_actor

    app = get_app(ctx)
    with app.engine.begin() as conn:
        grant_id, key = open_popup(conn, app.master_key, name, party, url, until,
                                   current_actor())
    click.echo(f"grant {grant_id}: popup {name} to {url}; 'voco apply' makes it live")
    click.echo(f"signing key (shown once, kept sealed): {key}")


@click.group("crm")
def crm_group() -> None:
    """CRM lookup: while an incoming call rings, the caller's number is looked up (one GET,
    within a deadline); a name found becomes the caller's name on the call and is written into
    its CDR. A slow or failing CRM delays the call by the deadline at most. Answers are cached
    in memory only. Needs 'voco apply' and a running bridge."""


@crm_group.command("add")
@click.argument("name")
@click.option("--party", required=True, help="Whose CRM it is.")
@click.option("--url", required=True,
              help="URL template with {number}, e.g. https://crm.example/find?phone={number}.")
@click.option("--name-path", required=True, help="Where the name is in the JSON answer "
              "(keys joined by dots, e.g. contact.name).")
@click.option("--deadline-ms", type=int, default=1500, show_default=True,
              help="How long a ringing call waits for the answer.")
@click.option("--auth-header-stdin", is_flag=True,
              help="Read an 'Authorization: ...' style header line from standard input "
                   "(kept sealed).")
@click.option("--until", help="Last day (YYYY-MM-DD) or time; default: until revoked.")
@click.pass_context
@oplogged
def crm_add_cmd(ctx: click.Context, name: str, party: str, url: str, name_path: str,
                deadline_ms: int, auth_header_stdin: bool, until: str | None) -> None:
    """Open the CRM door."""
    from asterisk_bridge.callerinfo.doors import open_crm
    from asterisk_bridge.oplog import current_actor

    header = sys.stdin.readline().strip() if auth_header_stdin else None
    app = get_app(ctx)
    with app.engine.begin() as conn:
        grant_id = open_crm(conn, app.master_key, name, party, url, name_path, deadline_ms,
                            header, until, current_actor())
    click.echo(f"grant {grant_id}: CRM lookup {name}; 'voco apply' makes it live")
