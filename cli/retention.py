"""``voco retention``: how long data is kept. Off by default: everything is kept for ever."""

from __future__ import annotations

import click

from asterisk_bridge.cdr import retention
from asterisk_bridge.errors import ValidationError
from cli.common import get_app, oplogged
from cli.output import emit_object, object_json_option


@click.group("retention")
def retention_group() -> None:
    """Retention policies. OFF by default: data is kept for ever until an administrator sets
    a policy. A set policy is enforced hourly by the running bridge and by 'voco retention
    run'; every purge leaves a tombstone in the operation log. A purge is permanent: no copy
    older than its cutoff is ever stored again, even if the policy is later removed, and
    Asterisk's own CDR files are cleaned of the purged records."""


@retention_group.command("set")
@click.argument("kind", type=click.Choice(retention.KINDS))
@click.argument("days")
@click.pass_context
@oplogged
def set_command(ctx: click.Context, kind: str, days: str) -> None:
    """Keep KIND for DAYS days (1-36500), or 'off' to keep it for ever."""
    if days.strip().lower() == "off":
        value = None
    else:
        try:
            value = int(days)
        except ValueError:
            raise ValidationError(f"days: {days!r} is not a whole number of days or 'off'") \
                from None
    retention.set_policy(get_app(ctx).engine, kind, value)
    click.echo(f"{kind}: " + (f"kept {value} days" if value else "kept for ever"))


@retention_group.command("show")
@object_json_option
@click.pass_context
def show_command(ctx: click.Context, as_json: bool) -> None:
    """Every kind and its policy (as JSON: kind -> days, null = kept for ever)."""
    emit_object(retention.policies(get_app(ctx).engine), as_json, lambda p: "\n".join(
        f"{kind}: " + (f"{days} days" if days else "kept for ever (no policy)")
        for kind, days in p.items()))


@retention_group.command("run")
@click.pass_context
@oplogged
def run_command(ctx: click.Context) -> None:
    """Delete now whatever the policies say is too old."""
    done = retention.enforce(get_app(ctx))
    if not done:
        click.echo("no retention policy set: nothing deleted")
    for kind, n in done.items():
        click.echo(f"{kind}: deleted {n}")


def register(group: click.Group) -> None:
    """Add the group to the top-level group."""
    group.add_command(retention_group)
