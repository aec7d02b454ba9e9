"""``voco cdr``: list, export and delete call detail records (one row per Asterisk CDR)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from asterisk_bridge.cdr.choices import FORMATS
from asterisk_bridge.safewrite import private_text_output
from cli.common import get_app, oplogged, oplogged_read, read_rows
from cli.output import Column, emit_list, list_json_option
from cli.person import log_sealed, vault, withhold

if TYPE_CHECKING:
    from asterisk_bridge.cdr.query import CdrFilter


F = Callable[..., Any]


def filter_options(fn: F) -> F:
    """The filters every CDR/call command shares."""
    for decorator in reversed((
        click.option("--since", help="Records that started at or after this UTC time "
                     "(ISO 8601, e.g. 2026-11-29 or 2026-11-29T13:00:00Z)."),
        click.option("--until", help="Records that started before this UTC time."),
        click.option("--number", help="Caller or callee is this number (the whole number, "
                     "normalised like stored ones: digits, * #, a leading +)."),
        click.option("--extension", help="Caller or callee is this extension."),
        click.option("--node", help="Only this Asterisk node."),
    )):
        fn = decorator(fn)
    return fn


def build_filter(ctx: click.Context, since: str | None, until: str | None, number: str | None,
                 extension: str | None, node: str | None, disposition: str | None = None,
                 ids: tuple[int, ...] = ()) -> CdrFilter:
    """Validated filter from the shared options, its number and extension resolved through
    the blind index. A number is personal data: the operation log gets it sealed under the
    person's key (withheld if nobody is known by it)."""
    from asterisk_bridge.cdr.query import CdrFilter, resolved

    personal = withhold(ctx, "number")
    flt = CdrFilter.build(since=since, until=until, number=number, extension=extension,
                          node=node, disposition=disposition, ids=ids)
    flt = resolved(get_app(ctx), flt)
    log_sealed(ctx, next(iter(flt.number_subjects or ()), None), personal)
    return flt


@click.group("cdr")
def cdr_group() -> None:
    """Call detail records: one row per Asterisk CDR record (a leg of a call), times in UTC.

    The bridge stores every record Asterisk writes, from AMI and, to fill any gap, from
    Asterisk's own Master.csv. They are kept for ever unless a retention policy is set
    ('voco retention set cdr DAYS').
    """


@cdr_group.command("list")
@filter_options
@click.option("--disposition", help="answered, no-answer, busy, failed or congestion.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@list_json_option
@click.pass_context
@oplogged_read("cdr")
def list_command(ctx: click.Context, since: str | None, until: str | None, number: str | None,
                 extension: str | None, node: str | None, disposition: str | None, limit: int,
                 as_json: bool) -> None:
    """The newest records matching the filters."""
    from asterisk_bridge.cdr.query import list_cdrs

    flt = build_filter(ctx, since, until, number, extension, node, disposition)
    rows = list_cdrs(get_app(ctx).engine, vault(ctx), flt, limit)
    read_rows(len(rows))
    emit_list(rows, as_json, CDR_COLUMNS, dict, "no CDR records")


CDR_COLUMNS = (
    Column("ID", lambda r: r["id"], right=True),
    Column("START (UTC)", lambda r: r["start"]),
    Column("FROM", lambda r: r["src"]),
    Column("TO", lambda r: r["dst"]),
    Column("DISPOSITION", lambda r: r["disposition"]),
    Column("DUR", lambda r: r["duration"], right=True),
    Column("BILL", lambda r: r["billsec"], right=True),
    Column("NODE", lambda r: r["node"]),
)


@cdr_group.command("export")
@filter_options
@click.option("--disposition", help="answered, no-answer, busy, failed or congestion.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file, mode 0600 (default: standard output).")
@click.pass_context
@oplogged_read("cdr")
def export_command(ctx: click.Context, since: str | None, until: str | None,
                   number: str | None, extension: str | None, node: str | None,
                   disposition: str | None, fmt: str, output: str | None) -> None:
    """Stream every matching record as CSV or JSON (constant memory, any row count); the
    operation log records who exported what filter and how many records."""
    from asterisk_bridge.cdr.export import export

    flt = build_filter(ctx, since, until, number, extension, node, disposition)
    engine, keys = get_app(ctx).engine, vault(ctx)
    if output:
        with private_text_output(Path(output)) as out:
            n = read_rows(export(engine, keys, flt, fmt, out))
        click.echo(f"exported {n} records to {output}", err=True)
    else:
        read_rows(export(engine, keys, flt, fmt, sys.stdout))


@cdr_group.command("delete")
@click.option("--id", "ids", type=int, multiple=True, help="A record id (repeatable).")
@filter_options
@click.option("--disposition", help="answered, no-answer, busy, failed or congestion.")
@click.option("--reason", required=True, help="Why (kept in the operation log's tombstone).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
@oplogged
def delete_command(ctx: click.Context, ids: tuple[int, ...], since: str | None,
                   until: str | None, number: str | None, extension: str | None,
                   node: str | None, disposition: str | None, reason: str, yes: bool) -> None:
    """Permanently delete records by id or filter; a tombstone (what, how many, filter, why,
    who) goes into the operation log. At least one id or filter is required.

    Deleted records never come back: each leaves a tombstone (its key, who, when, why; none of
    its data) that the bridge honours, and they are removed from Asterisk's own CDR files
    (Master.csv is rotated aside at once; recent files are cleaned by the bridge within one
    reconciliation period)."""
    from asterisk_bridge.cdr.erase import delete_cdrs

    flt = build_filter(ctx, since, until, number, extension, node, disposition, ids)
    app = get_app(ctx)
    if not yes:
        click.confirm("Permanently delete the matching CDRs?", abort=True)
    n = delete_cdrs(app, flt, reason)
    click.echo(f"deleted {n} CDR records")
