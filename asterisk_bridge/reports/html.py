"""A report as one self-contained HTML page: inline CSS and SVG charts, no script, no font,
no image or anything else loaded from anywhere (a Content-Security-Policy says so too)."""

from __future__ import annotations

from html import escape
from typing import Any

from asterisk_bridge.reports.build import Report
from asterisk_bridge.reports.svg import bar_chart

_STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin-top: 1em; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
figure { margin: 1em 0; }
svg text { font-size: 11px; fill: #333; }
svg text.title { font-size: 14px; font-weight: bold; }
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _cell(value: Any) -> str:
    return "" if value is None else escape(str(value))


def render_html(report: Report) -> str:
    """The page for *report*."""
    title = (f"Voco {report.kind} report by {report.by}, {report.start:%Y-%m-%d %H:%M} to "
             f"{report.end:%Y-%m-%d %H:%M} UTC")
    charts = "\n".join(f'<figure id="chart-{i}">{bar_chart(c.title, report.rows, c.series)}'
                       f"</figure>" for i, c in enumerate(report.charts))
    head = "".join(f"<th>{escape(c)}</th>" for c in report.columns)
    body = "\n".join("<tr>" + "".join(f"<td>{_cell(r.get(c))}</td>" for c in report.columns)
                     + "</tr>" for r in report.rows)
    notes = "".join(f"<li>{escape(n)}</li>" for n in report.notes)
    empty = "" if report.rows else "<p class=\"empty\">No data in this period.</p>"
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head>\n"
            f"<body><h1>{escape(title)}</h1>{empty}\n{charts}\n"
            f'<table id="figures"><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody>'
            f"</table><ul class=\"notes\">{notes}</ul></body></html>\n")
