"""queue_log rotated away on real Asterisk: the bridge renames it, has Asterisk's logger reopen
it, stores the renamed file and deletes it. An agent pauses with a distinct reason each time
(one queue_log line each) before the bridge starts, while it rotates, and while it is stopped
just after a rename that no reload followed (a crash): every line ends in the store exactly
once, the renamed files are gone and queue_log is smaller than before."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from asterisk_bridge.agents import control, rotation
from asterisk_bridge.agents.capability import AgentActivity
from asterisk_bridge.agents.ingest import asides
from asterisk_bridge.agents.queuelog import parse
from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.store.models.agents import AgentEvent
from tests.conftest import CliCall
from tests.integration.provision_support import attach, ok
from tests.polling import await_for

pytestmark = pytest.mark.asterisk


def _pause(app: App, reasons: range) -> None:
    for i in reasons:
        control.pause(app, "1002", "sales", True, reason=f"r{i}")
        control.pause(app, "1002", "sales", False)


def _stored(app: App) -> Counter[str]:
    """How many rows each pause reason has."""
    with app.engine.connect() as conn:
        return Counter(conn.execute(select(AgentEvent.reason).where(
            AgentEvent.kind == "pause")).scalars())


def _logged(path: Path) -> list[str]:
    """The pause reasons a queue_log file holds."""
    if not path.exists():
        return []
    return [p.reason for p in (parse(raw) for raw in path.read_text().splitlines())
            if p is not None and p.kind == "pause"]


def _wanted(reasons: range) -> set[str]:
    return {f"r{i}" for i in reasons}


def test_queue_log_is_rotated_away_and_nothing_is_lost_or_doubled(
        app: App, config_path: Path, asterisk: Instance, run_cli: CliCall) -> None:
    attach(config_path, asterisk)
    app = App.open(config_path)
    ok(run_cli("extension", "add", "1002", "--name", "Bob"))
    ok(run_cli("queue", "add", "sales", "--number", "600"))
    ok(run_cli("apply"))
    ok(run_cli("agent", "login", "1002", "--queue", "sales"))
    live = asterisk.log_dir / "queue_log"
    _pause(app, range(0, 6))  # before the bridge ever ran
    before = live.stat().st_size
    assert set(_logged(live)) == _wanted(range(0, 6))

    def settled(reasons: range) -> bool:
        """Every line stored, nothing renamed left, queue_log rid of the stored lines."""
        return (set(_stored(app)) >= _wanted(reasons) and not asides(live)
                and not set(_logged(live)) & _wanted(reasons))

    async def run(reasons: range) -> None:
        async with Bridge(app, capabilities=[AgentActivity(app, every_s=0.2,
                                                           rotate_every_s=0.5)]):
            await asyncio.to_thread(_pause, app, reasons)  # Asterisk appends meanwhile
            await await_for(lambda: settled(range(0, reasons.stop)), "queue_log rotated away")

    asyncio.run(run(range(6, 18)))

    # A crash between the rename and the reload: Asterisk keeps writing to the renamed file.
    _pause(app, range(18, 19))
    [renamed] = rotation.set_aside(live)
    _pause(app, range(19, 24))
    assert set(_logged(renamed)) == _wanted(range(18, 24))
    assert not set(_logged(live)) & _wanted(range(18, 24))
    asyncio.run(run(range(24, 26)))  # the next bridge finishes the renamed file first

    stored = _stored(app)
    assert set(stored) == _wanted(range(0, 26)) and set(stored.values()) == {1}, stored
    assert not asides(live) and not renamed.exists()
    assert not live.exists() or live.stat().st_size < before
    with app.engine.connect() as conn:
        hashes = set(conn.execute(select(AgentEvent.line_hash)).scalars())
    left = [p for p in (parse(raw) for raw in (live.read_text().splitlines()
                                               if live.exists() else [])) if p is not None]
    assert all(p.line_hash in hashes for p in left)  # what is still there is stored too
