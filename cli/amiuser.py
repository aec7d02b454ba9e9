"""``voco ami-user``: AMI users for third-party applications (each one a grant)."""

from __future__ import annotations

import click

from asterisk_bridge.amiusers.choices import CLASSES, DEFAULT_READ
from cli.common import get_app, oplogged
from cli.output import emit_object, object_json_option


@click.group("ami-user")
def ami_user_group() -> None:
    """AMI users for applications (a CTI client, a wallboard). None exists after 'voco init'
    but the bridge's own, which stays reachable from this host only.

    Each user is denied everywhere, then permitted from the networks named; it reads and
    writes only the classes named. Users are listed and revoked with 'voco grants' (revoking
    kicks its live sessions at once)."""


@ami_user_group.command("add")
@click.argument("name")
@click.option("--party", required=True, help="Who the user is for.")
@click.option("--permit", multiple=True, required=True,
              help="An address or network it may log in from (repeatable).")
@click.option("--read", default=DEFAULT_READ, show_default=True,
              help=f"Classes it may read (comma-separated; none): {', '.join(CLASSES)}.")
@click.option("--write", default="none", show_default=True,
              help="Classes it may write (actions), comma-separated, or none.")
@click.option("--event", "events", multiple=True,
              help="Only this event (repeatable; default: every event its classes allow).")
@click.option("--until", help="Last day (YYYY-MM-DD) or time it works; default: until revoked.")
@object_json_option
@click.pass_context
@oplogged
def add_cmd(ctx: click.Context, name: str, party: str, permit: tuple[str, ...], read: str,
            write: str, events: tuple[str, ...], until: str | None, as_json: bool) -> None:
    """Create an AMI user; its generated secret is printed once (kept sealed)."""
    from asterisk_bridge.amiusers import users
    from asterisk_bridge.grants import register as grants
    from asterisk_bridge.oplog import current_actor

    app = get_app(ctx)
    with app.engine.begin() as conn:
        grant_id, secret = users.add(conn, app.master_key, app.config.asterisk.ami_user, name,
                                     party, permit, read, write, events, until,
                                     current_actor())
        shown = grants.view(grants.get(conn, grant_id)).as_dict()
    if as_json:
        emit_object({**shown, "secret": secret}, True)
    else:
        click.echo(f"grant {grant_id}: AMI user {shown['name']} for {party}; "
                   "'voco apply' makes it live")
        click.echo(f"secret (shown once, kept sealed): {secret}")
