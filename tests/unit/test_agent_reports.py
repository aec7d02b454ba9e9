"""queue_log parsing and the reports built from it, without Asterisk: lines as app_queue
writes them (seen live on Asterisk 22.10), figures by hand, charts and the HTML page."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sqlalchemy import select

from asterisk_bridge.agents.ingest import Reader, ingest
from asterisk_bridge.agents.queuelog import parse
from asterisk_bridge.context import App
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.reports import stats
from asterisk_bridge.reports.build import build_report
from asterisk_bridge.reports.html import render_html
from asterisk_bridge.reports.svg import bar_chart
from asterisk_bridge.store.models.agents import AgentEvent

T0 = 1796053340  # 2026-11-30T15:42:20Z
QUEUE_LOG = "\n".join([
    f"{T0}|NONE|NONE|NONE|QUEUESTART|",
    f"{T0 + 3}|MANAGER|sales|Local/1002@voco-queue-member/n|ADDMEMBER|",
    f"{T0 + 3}|NONE|NONE|1002|PAUSEALL|phone",
    f"{T0 + 3}|NONE|sales|1002|PAUSE|phone",
    f"{T0 + 63}|NONE|sales|1002|UNPAUSE|",
    f"{T0 + 70}|1796053410.7|sales|NONE|ENTERQUEUE||+442079460000|1",
    f"{T0 + 72}|1796053410.7|sales|1002|CONNECT|2|1796053412.9|1",
    f"{T0 + 100}|1796053410.7|sales|1002|COMPLETECALLER|2|28|1",
    f"{T0 + 110}|1796053450.11|sales|NONE|ENTERQUEUE||1001|1",
    f"{T0 + 113}|1796053450.11|sales|1002|RINGNOANSWER|15000",
    f"{T0 + 140}|1796053450.11|sales|NONE|ABANDON|1|1|30",
    f"{T0 + 3603}|MANAGER|sales|Local/1002@voco-queue-member/n|REMOVEMEMBER|",
]) + "\n"


def test_parse_keeps_what_reports_need_and_no_caller() -> None:
    lines = [p for p in map(parse, QUEUE_LOG.splitlines()) if p is not None]
    assert [p.kind for p in lines] == ["login", "pause", "unpause", "offered", "answered",
                                      "completed", "offered", "noanswer", "abandoned",
                                      "logout"]
    assert {p.agent for p in lines} == {"1002", "NONE"}
    assert lines[1].reason == "phone" and lines[4].wait_s == 2 and lines[4].ring_s == 1
    assert lines[5].talk_s == 28 and lines[7].ring_s == 15 and lines[8].wait_s == 30
    assert all("+44" not in repr(p) for p in lines)


@pytest.mark.parametrize("raw", ["", "x|y", "notatime|a|b|c|PAUSE|", "1|a|b|c|BOGUS|x",
                                 "99999999999999999999|a|b|c|PAUSE|"])
def test_unparsable_lines_are_skipped(raw: str) -> None:
    assert parse(raw) is None


def test_ingest_is_idempotent_and_follows_the_file(app: App, tmp_path: Path) -> None:
    path = tmp_path / "queue_log"
    lines = QUEUE_LOG.splitlines(keepends=True)
    path.write_text("".join(lines[:5]) + lines[5][:10])  # a half-written last line
    reader = Reader(path)
    assert ingest(app, reader) == 3
    with path.open("a") as fh:
        fh.write(lines[5][10:] + "".join(lines[6:]))
    assert ingest(app, reader) == 7
    assert ingest(app, Reader(path)) == 0  # a restart re-reads everything: nothing new
    with app.engine.connect() as conn:
        assert len(conn.execute(select(AgentEvent)).all()) == 10


def test_reports_from_agent_activity(app: App, tmp_path: Path) -> None:
    path = tmp_path / "queue_log"
    path.write_text(QUEUE_LOG)
    ingest(app, Reader(path))
    (queue,) = build_report(app, "queues", "2026-11-30", "2026-11-30").rows
    assert queue == {"group": "sales", "offered": 2, "answered": 1, "abandoned": 1,
                     "timeout": 0, "service_level_pct": 50.0, "wait_avg_s": 2.0,
                     "wait_p90_s": 2, "talk_avg_s": 28.0, "talk_p90_s": 28}
    (agent,) = build_report(app, "agents", "2026-11-30", "2026-11-30").rows
    assert agent == {"group": "1002", "offered": 2, "answered": 1, "missed": 1,
                     "login_s": 3600, "paused_s": 60, "wait_avg_s": 2.0, "talk_avg_s": 28.0,
                     "talk_p90_s": 28}
    with pytest.raises(ValidationError, match="groups by"):
        build_report(app, "agents", "2026-11-30", "2026-11-30", "trunk")
    for start, end in (("yesterday", "2026-11-30"), ("2026-11-30", "2026-11-29"),
                       ("2025-01-01", "2026-11-30")):
        with pytest.raises(ValidationError):
            build_report(app, "calls", start, end)


def test_stats() -> None:
    assert stats.percentile([5, 1, 3, 2, 4, 10, 6, 7, 8, 9], 90) == 9
    assert stats.percentile([], 90) is None and stats.mean([]) is None
    assert stats.mean([1, 2]) == 1.5 and stats.share(1, 3) == 33.3


def test_chart_is_valid_svg_with_escaped_labels() -> None:
    svg = bar_chart("Calls <by> day", [{"group": "<script>", "a": 3, "b": None},
                                        {"group": "x&y", "a": 0, "b": 7}], ("a", "b"))
    root = ET.fromstring(svg)
    bars = root.findall("{http://www.w3.org/2000/svg}rect[@class='bar']")
    assert [(b.get("data-group"), b.get("data-value")) for b in bars] == [
        ("<script>", "3"), ("<script>", "0"), ("x&y", "0"), ("x&y", "7")]
    assert float(bars[3].get("height") or 0) > float(bars[0].get("height") or 0) > 0
    assert "<script>" not in svg


def test_html_page_is_self_contained(app: App) -> None:
    report = build_report(app, "calls", "2026-11-30", "2026-11-30")
    page = render_html(report)
    assert "<script" not in page and "http://" not in page.replace(
        "http://www.w3.org/2000/svg", "") and "https://" not in page
    assert "No data in this period" in page and "default-src 'none'" in page
