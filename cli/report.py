"""``voco report``: call, agent and queue figures for a period, as a table, CSV, JSON or a
self-contained HTML page with charts."""

from __future__ import annotations

import csv
import io
import json
import operator
import sys
from pathlib import Path

import click

from asterisk_bridge.errors import ValidationError
from asterisk_bridge.safewrite import private_output
from cli.common import get_app, oplogged_read, read_rows
from cli.output import Column, table

FORMATS = ("table", "csv", "json", "html")


@click.group("report")
def report_group() -> None:
    """Reports over calls (CDRs grouped into calls) and agent activity (queue_log): counts,
    answered/missed/abandoned, service level, average and 90th-percentile wait and talk, agent
    login and paused time. HTML is one self-contained page (inline SVG charts, no script)."""


def _report_command(kind: str, by_help: str) -> click.Command:
    @click.command(kind)
    @click.option("--from", "start", required=True, help="First day (2026-11-01) or ISO time.")
    @click.option("--to", "end", required=True, help="Last day (inclusive) or ISO time "
                  "(exclusive).")
    @click.option("--by", help=by_help)
    @click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
                  show_default=True, help="Output format.")
    @click.option("-o", "--output", default="-", show_default=True,
                  help="File to write, or - for standard output.")
    @click.pass_context
    @oplogged_read(f"{kind} report")
    def command(ctx: click.Context, start: str, end: str, by: str | None, fmt: str,
                output: str) -> None:
        from asterisk_bridge.reports.build import build_report
        from asterisk_bridge.reports.html import render_html

        report = build_report(get_app(ctx), kind, start, end, by)
        if fmt == "json":
            text = json.dumps(report.to_dict(), indent=1, default=str) + "\n"
        elif fmt == "html":
            text = render_html(report)
        elif fmt == "csv":
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=list(report.columns), lineterminator="\n")
            writer.writeheader()
            writer.writerows(report.rows)
            text = out.getvalue()
        else:
            columns = [Column(c.upper(), operator.itemgetter(c), right=c != "group")
                       for c in report.columns]
            text = "\n".join(table(report.rows, columns) if report.rows
                             else ["no data in this period"]) + "\n"
        if output == "-":
            if fmt == "html" and sys.stdout.isatty():
                raise ValidationError("output: write the HTML report to a file with -o FILE")
            click.echo(text, nl=False)
        else:
            with private_output(Path(output).expanduser()) as fh:
                fh.write(text.encode())
            click.echo(f"wrote the {kind} report to {output}", err=True)
        read_rows(len(report.rows))

    command.__doc__ = f"The {kind} report for a period."
    return command


report_group.add_command(_report_command(
    "calls", "day (default), hour, extension, trunk or queue."))
report_group.add_command(_report_command("agents", "agent (default), day or queue."))
report_group.add_command(_report_command("queues", "queue (default), day or hour."))
