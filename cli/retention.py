"""``voco retention``: how long each category of data is kept. Off by default: everything is
kept for ever."""

from __future__ import annotations

import click

from asterisk_bridge.errors import ValidationError
from asterisk_bridge.retention.choices import NAMES
from cli.common import get_app, oplogged
from cli.output import emit_object, object_json_option


@click.group("retention")
def retention_group() -> None:
    """Retention policies, per category (cdr: CDR records by start time; recordings: by start
    of recording, crypto-shredded). OFF by default: data is kept for ever until an
    administrator sets a policy. A set policy is enforced hourly by the running bridge and by
    'voco retention run'; every purge leaves a tombstone in the operation log, and keeps what
    a legal hold covers ('voco hold'). A CDR purge is permanent: no copy older than its cutoff
    is ever stored again, even if the policy is later removed, and Asterisk's own CDR files
    are cleaned of the purged records."""


@retention_group.command("set")
@click.argument("kind", type=click.Choice(NAMES))
@click.argument("days")
@click.pass_context
@oplogged
def set_command(ctx: click.Context, kind: str, days: str) -> None:
    """Keep KIND for DAYS days (1-36500), or 'off' to keep it for ever."""
    from asterisk_bridge.retention import policy

    if days.strip().lower() == "off":
        value = None
    else:
        try:
            value = int(days)
        except ValueError:
            raise ValidationError(f"days: {days!r} is not a whole number of days or 'off'") \
                from None
    policy.set_policy(get_app(ctx).engine, kind, value)
    click.echo(f"{kind}: " + (f"kept {value} days" if value else "kept for ever"))


@retention_group.command("show")
@object_json_option
@click.pass_context
def show_command(ctx: click.Context, as_json: bool) -> None:
    """Every category and its policy (as JSON: category -> days, null = kept for ever)."""
    from asterisk_bridge.retention import policy

    emit_object(policy.policies(get_app(ctx).engine), as_json, lambda p: "\n".join(
        f"{kind}: " + (f"{days} days" if days else "kept for ever (no policy)")
        for kind, days in p.items()))


@retention_group.command("run")
@click.pass_context
@oplogged
def run_command(ctx: click.Context) -> None:
    """Delete now whatever the policies say is too old."""
    from asterisk_bridge.retention import policy

    done = policy.enforce(get_app(ctx))
    if not done:
        click.echo("no retention policy set: nothing deleted")
    for kind, n in done.items():
        click.echo(f"{kind}: deleted {n}")
