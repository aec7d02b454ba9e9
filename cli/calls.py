"""``voco calls``: conversations built from CDR legs (transfers, queues, forwards grouped)."""

from __future__ import annotations

import json

import click

from asterisk_bridge.cdr.calls import CALL_DISPOSITIONS, list_calls
from cli.cdr import build_filter, filter_options
from cli.common import get_app, oplogged_read, read_rows


@click.group("calls")
def calls_group() -> None:
    """Calls as a person sees them: every leg of one conversation (forwards, transfers, queue
    agents rung) grouped together, with an answered/missed/busy/failed outcome."""


@calls_group.command("list")
@filter_options
@click.option("--disposition", type=click.Choice(CALL_DISPOSITIONS), help="The call's outcome.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with every leg).")
@click.pass_context
@oplogged_read("cdr")
def list_command(ctx: click.Context, since: str | None, until: str | None, number: str | None,
                 extension: str | None, node: str | None, disposition: str | None, limit: int,
                 as_json: bool) -> None:
    """The newest calls with a leg matching the filters; times in UTC, durations in seconds
    (talk counts overlapping legs once)."""
    flt = build_filter(since, until, number, extension, node)
    calls = list_calls(get_app(ctx).engine, flt, disposition, limit)
    read_rows(len(calls))
    if as_json:
        click.echo(json.dumps([c.summary() for c in calls], indent=1))
        return
    click.echo(f"{'START (UTC)':19}  {'FROM':12} {'TO':12} {'OUTCOME':9} {'DUR':>5} {'WAIT':>5} "
               f"{'TALK':>5} {'LEGS':>4}  ANSWERED BY")
    for c in calls:
        click.echo(f"{c.start:%Y-%m-%d %H:%M:%S}  {c.caller[:12]:12} {c.dialled[:12]:12} "
                   f"{c.disposition:9} {c.duration:>5} {c.wait:>5} {c.talk:>5} "
                   f"{len(c.legs):>4}  {c.answered_by}")


def register(group: click.Group) -> None:
    """Add the group to the top-level group."""
    group.add_command(calls_group)
