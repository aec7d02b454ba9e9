"""``voco calls``: conversations built from CDR legs (transfers, queues, forwards grouped)."""

from __future__ import annotations

import click

from asterisk_bridge.cdr.channel_names import endpoint
from asterisk_bridge.cdr.choices import CALL_DISPOSITIONS
from cli.cdr import build_filter, filter_options
from cli.common import get_app, oplogged_read, read_rows
from cli.output import Column, emit_list, list_json_option
from cli.person import vault

CALL_COLUMNS = (
    Column("START (UTC)", lambda c: c.start),
    Column("NODE", lambda c: "→".join(c.nodes)),  # a call over Voco peer trunks: a→b
    Column("FROM", lambda c: c.caller),
    Column("TO", lambda c: c.dialled),
    Column("OUTCOME", lambda c: c.disposition),
    Column("DUR", lambda c: c.duration, right=True),
    Column("WAIT", lambda c: c.wait, right=True),
    Column("TALK", lambda c: c.talk, right=True),
    Column("LEGS", lambda c: len(c.legs), right=True),
    Column("CONSENT", lambda c: c.consent),
    Column("ANSWERED BY", lambda c: endpoint(c.answered_by)),
)


@click.group("calls")
def calls_group() -> None:
    """Calls as a person sees them: every leg of one conversation (forwards, transfers, queue
    agents rung) grouped together, with an answered/missed/busy/failed outcome."""


@calls_group.command("list")
@filter_options
@click.option("--disposition", type=click.Choice(CALL_DISPOSITIONS), help="The call's outcome.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@list_json_option
@click.pass_context
@oplogged_read("cdr")
def list_command(ctx: click.Context, since: str | None, until: str | None, number: str | None,
                 extension: str | None, node: str | None, disposition: str | None, limit: int,
                 as_json: bool) -> None:
    """The newest calls with a leg matching the filters; times in UTC, durations in seconds
    (talk counts overlapping legs once). NODE is the node the call ran on, node-a→node-b when it
    crossed a Voco peer trunk (one call, both halves). ANSWERED BY is the extension or trunk
    that answered; the JSON has every leg with its channel names."""
    from asterisk_bridge.cdr.calls import Call, list_calls

    flt = build_filter(ctx, since, until, number, extension, node)
    calls = list_calls(get_app(ctx).engine, vault(ctx), flt, disposition, limit)
    read_rows(len(calls))
    emit_list(calls, as_json, CALL_COLUMNS, Call.summary, "no calls")
