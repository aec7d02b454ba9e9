"""Agents and reports on real Asterisk: an agent logs in (CLI), pauses from its phone's feature
code (*47) and unpauses (CLI), answers a live queue call on a real SIP phone (sipp), is paused
while a second caller abandons, and logs out with *46<queue>. The running bridge stores every
queue_log line; the rows and the report figures match what queue_log says. The HTML reports
then open in headless Chromium (Debian's, driven by Selenium): the charts render, and a
screenshot is kept as a test artefact."""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from asterisk_bridge.agents.capability import AgentActivity
from asterisk_bridge.agents.queuelog import parse
from asterisk_bridge.bridge.capabilities import default_capabilities
from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.context import App
from asterisk_bridge.reports.build import build_report
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.store.models.agents import AgentEvent
from tests.conftest import CliCall
from tests.integration.provision_support import attach, ok
from tests.integration.sipp_support import Phone
from tests.polling import await_for

pytestmark = pytest.mark.asterisk
ARTEFACTS = Path(os.environ.get("VOCO_TEST_ARTIFACTS",
                                Path(__file__).resolve().parents[2] / "test-artifacts"))
EVERY_KIND = {"login", "pause", "unpause", "offered", "answered", "completed", "abandoned",
              "logout"}


def _extension(run_cli: CliCall, number: str) -> str:
    out = json.loads(ok(run_cli("extension", "add", number, "--name", f"Ext {number}",
                                "--transport", "udp", "--json")).output)
    return str(out["secret"])


def _kinds(app: App) -> Counter[str]:
    with app.engine.connect() as conn:
        return Counter(conn.execute(select(AgentEvent.kind)).scalars())


async def _originate(bridge: Bridge, channel: str, exten: str, caller: str) -> None:
    resp = await bridge.ami_action({
        "Action": "Originate", "Channel": channel, "Context": "voco-internal", "Exten": exten,
        "Priority": "1", "Async": "true", "CallerID": f"Caller <{caller}>",
        "Variable": f"VOCO_CALLER={caller},VOCO_KIND=internal"}, timeout=30)
    first = resp[0] if isinstance(resp, list) else resp
    assert first.get("Response") == "Success", resp


def _queue_log_lines(asterisk: Instance) -> list[Any]:
    text = (asterisk.log_dir / "queue_log").read_text()
    return [p for p in (parse(line) for line in text.splitlines()) if p is not None]


async def _activity(app: App, asterisk: Instance, run_cli: CliCall, bob: Phone) -> None:
    def cli(*args: str) -> None:
        ok(run_cli(*args))

    # queue_log stays whole here so the test can compare the store with it (its rotation:
    # test_queue_log_rotation_live.py).
    capabilities = [AgentActivity(app, rotate_every_s=None) if c.name == "agents" else c
                    for c in default_capabilities(app)]
    async with Bridge(app, capabilities) as bridge:
        await asyncio.to_thread(cli, "agent", "login", "1002", "--queue", "sales")
        await _originate(bridge, "Local/alice-n-1-2@phone/n", "*47", "1002")  # pause, phone
        await await_for(lambda: _kinds(app)["pause"] == 1, "the phone's pause")
        await asyncio.to_thread(cli, "agent", "unpause", "1002", "--queue", "sales")
        await await_for(lambda: _kinds(app)["unpause"] == 1, "the unpause")

        answering = await asyncio.to_thread(bob.answer)
        await _originate(bridge, "Local/alice-n-1-8@phone/n", "600", "1001")
        await await_for(lambda: _kinds(app)["completed"] == 1, "the answered call to end",
                        timeout=120)
        await asyncio.to_thread(answering.communicate, timeout=60)

        await asyncio.to_thread(cli, "agent", "pause", "1002", "--queue", "sales",
                                "--reason", "lunch")
        await _originate(bridge, "Local/alice-n-1-3@phone/n", "600", "1001")
        await await_for(lambda: _kinds(app)["abandoned"] == 1, "the caller to abandon",
                        timeout=120)
        await _originate(bridge, "Local/alice-n-1-2@phone/n", "*46600", "1002")  # logout
        await await_for(lambda: set(_kinds(app)) >= EVERY_KIND, "every kind of event")


def test_agent_activity_and_reports_match_queue_log(
        app: App, config_path: Path, asterisk: Instance, run_cli: CliCall,
        tmp_path: Path) -> None:
    attach(config_path, asterisk)
    app = App.open(config_path)
    secrets = {n: _extension(run_cli, n) for n in ("1001", "1002")}
    ok(run_cli("queue", "add", "sales", "--number", "600", "--timeout", "20"))
    ok(run_cli("apply"))
    bob = Phone(tmp_path, "1002", secrets["1002"], asterisk.info().sip_port)
    bob.register()
    asyncio.run(_activity(app, asterisk, run_cli, bob))

    # Every queue_log line reports use is in the store, once, and nothing else.
    logged = [p for p in _queue_log_lines(asterisk) if p.queue == "sales"]
    with app.engine.connect() as conn:
        stored = list(conn.execute(select(AgentEvent).where(AgentEvent.queue == "sales")))
    assert sorted(r.line_hash for r in stored) == sorted(p.line_hash for p in logged)
    by_kind = {r.kind: r for r in stored}
    assert by_kind["pause"].reason in ("phone", "lunch")
    assert {r.reason for r in stored if r.kind == "pause"} == {"phone", "lunch"}
    assert by_kind["answered"].agent == "1002" and by_kind["answered"].agent_subject

    today = datetime.now(UTC).strftime("%Y-%m-%d")
    queues = build_report(app, "queues", today, today)
    (sales,) = queues.rows
    counts = Counter(p.kind for p in logged)
    assert (sales["offered"], sales["answered"], sales["abandoned"]) == (
        counts["offered"], counts["answered"], counts["abandoned"]) == (2, 1, 1)
    connect = next(p for p in logged if p.kind == "answered")
    complete = next(p for p in logged if p.kind == "completed")
    assert sales["wait_avg_s"] == connect.wait_s and sales["talk_avg_s"] == complete.talk_s
    assert sales["service_level_pct"] == (50.0 if (connect.wait_s or 0) <= 20 else 0.0)
    agents = build_report(app, "agents", today, today)
    (agent,) = [r for r in agents.rows if r["group"] == "1002"]
    assert (agent["offered"], agent["answered"], agent["missed"]) == (1, 1, 0)
    assert agent["login_s"] > 0 and 0 < agent["paused_s"] <= agent["login_s"]
    calls = build_report(app, "calls", today, today, "queue")
    assert {r["group"]: r["abandoned"] for r in calls.rows}.get("sales") == 1

    pages = {}
    for kind in ("calls", "agents", "queues"):
        pages[kind] = tmp_path / f"{kind}.html"
        ok(run_cli("report", kind, "--from", today, "--to", today, "--format", "html",
                   "-o", str(pages[kind])))
        assert "<script" not in pages[kind].read_text()
    _check_in_chromium(pages)


def _check_in_chromium(pages: dict[str, Path]) -> None:
    """Open each page in headless Chromium: the charts render with non-zero sizes."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1000,1400"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    try:
        for kind, page in pages.items():
            driver.get(page.as_uri())
            charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart")
            assert len(charts) == 2, kind
            for chart in charts:
                assert chart.size["width"] > 0 and chart.size["height"] > 0
            bars = [b for b in driver.find_elements(By.CSS_SELECTOR, "rect.bar")
                    if float(b.get_attribute("data-value") or 0) > 0]
            assert bars, f"{kind}: no bar with a value"
            for bar in bars:
                box = bar.rect
                assert box["width"] > 0 and box["height"] > 0, (kind, box)
            rows = driver.find_elements(By.CSS_SELECTOR, "#figures tbody tr")
            assert rows, kind
            assert driver.save_screenshot(str(ARTEFACTS / f"report-{kind}.png"))
    finally:
        driver.quit()
