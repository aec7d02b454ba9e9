"""Deleted CDRs stay deleted on a real Asterisk: after 'voco cdr delete' or a retention purge, a
bridge restart, forced reconciliations and a late AMI Cdr event bring nothing back, and no file
in Asterisk's CDR directory (the sandbox instance's host path) still holds the records."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from asterisk_bridge.bridge.capability import BridgeHandle, Event, Gap
from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.cdr import csvsource, tombstones
from asterisk_bridge.cdr.capture import CdrCapture
from asterisk_bridge.cdr.reconcile import csv_dir
from asterisk_bridge.cdr.rows import Row
from asterisk_bridge.context import App
from asterisk_bridge.retention import policy as retention
from asterisk_bridge.sandbox.instance import Instance
from tests.conftest import CliCall
from tests.integration.cdr_support import (
    RECORDS_PER_PLAIN_CALL,
    active_channels,
    make_app,
    originate,
    prepare,
    running_bridge,
    stored,
)
from tests.polling import await_for

pytestmark = pytest.mark.asterisk
CALLS = 4
Key = tuple[str, int]


class CdrEvents:
    """Keeps every AMI Cdr event, to deliver some again later (a late copy in flight)."""

    name = "cdr-events"

    def __init__(self) -> None:
        self.events: list[Event] = []

    def register(self, bridge: BridgeHandle) -> None:
        bridge.on_ami("Cdr", self._keep)

    async def _keep(self, event: Event) -> None:
        self.events.append(event)

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        pass

    async def close(self) -> None:
        pass


def _keys(rows: Sequence[Row] | Sequence[dict[str, Any]]) -> set[Key]:
    return {(r["uniqueid"], r["sequence"]) for r in rows}


def _on_disk(inst: Instance) -> tuple[set[Key], list[str]]:
    """Every record in every file of Asterisk's CDR directory, and the files' names."""
    files = sorted(csv_dir(inst.log_dir).iterdir())
    return {k for p in files for k in _keys(csvsource.read_records(p, "node1").rows)}, \
        [p.name for p in files]


def _deleted_stays_deleted(app: App, inst: Instance, gone: set[Key], late: list[Event]) -> None:
    """Restart the bridge, deliver the late AMI copies, reconcile until Asterisk's files are
    past the grace and deleted: nothing in ``gone`` is stored or on disk afterwards."""
    committed: list[Key] = []

    copies = {(e["UniqueID"], int(e["Sequence"])) for e in late}

    async def main() -> None:
        async with running_bridge(app, csv_grace_s=0.0, reconcile_every=3600,
                                  on_commit=lambda b, _w: committed.extend(_keys(b))
                                  ) as (_, capture):  # the start reconciles
            for event in late:  # the live AMI path, as if these events arrived only now
                await capture.handle_event(event)
            await await_for(lambda: set(committed) >= copies, "the late copies to be handled")
            await capture.reconcile_now()  # forced: imports what is left, marks it done
            await capture.reconcile_now()  # past the grace: the files are deleted

    asyncio.run(main())
    assert not gone & _keys(stored(app.engine))
    on_disk, names = _on_disk(inst)
    assert not gone & on_disk, names
    assert all(not n.startswith("Master.csv.voco-") for n in names), names


async def _calls(app: App, inst: Instance) -> CdrEvents:
    """Place the calls with the bridge running; every CDR stored, every AMI Cdr event kept."""
    events = CdrEvents()
    total = CALLS * RECORDS_PER_PLAIN_CALL
    async with Bridge(app, capabilities=[CdrCapture(app, reconcile_every=3600), events]):
        await originate(inst, "plain", CALLS, talk=1)
        await await_for(lambda: active_channels(inst) == 0, "the calls to end")
        await await_for(lambda: len(stored(app.engine)) == total, "the CDRs")
        await await_for(lambda: len(events.events) == total, "the AMI Cdr events")
    return events


def test_deleted_cdrs_never_come_back(asterisk: Instance, tmp_path: Path,
                                      run_cli: CliCall) -> None:
    prepare(asterisk)
    app = make_app(tmp_path, asterisk, f"sqlite:///{tmp_path / 'store.db'}")
    run_cli.config_path = app.config.path
    events = asyncio.run(_calls(app, asterisk))
    rows = stored(app.engine)
    victims = sorted({r["linkedid"] for r in rows})[:2]
    doomed = [r for r in rows if r["linkedid"] in victims]
    gone = _keys(doomed)
    live = csv_dir(asterisk.log_dir) / "Master.csv"
    assert gone <= _keys(csvsource.read_records(live, "node1").rows)  # written by Asterisk
    ids = [a for r in doomed for a in ("--id", str(r["id"]))]
    result = run_cli("cdr", "delete", *ids, "--reason", "data subject request", "--yes")
    assert result.exit_code == 0, result.output
    assert f"deleted {len(doomed)} CDR records" in result.output
    assert not live.exists() or not gone & _keys(csvsource.read_records(live, "node1").rows)
    late = [e for e in events.events if (e["UniqueID"], int(e["Sequence"])) in gone]
    _deleted_stays_deleted(app, asterisk, gone, late)
    assert _keys(stored(app.engine)) == _keys(rows) - gone  # the other calls are untouched


def test_retention_purges_never_come_back(asterisk: Instance, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    prepare(asterisk)
    app = make_app(tmp_path, asterisk, f"sqlite:///{tmp_path / 'store.db'}")
    events = asyncio.run(_calls(app, asterisk))
    gone = _keys(stored(app.engine))
    total = len(gone)
    later = tombstones.now() + timedelta(days=2)  # the calls are two days old now
    monkeypatch.setattr(tombstones, "now", lambda: later)
    monkeypatch.setattr(retention, "now", lambda: later)
    retention.set_policy(app.engine, "cdr", 1)
    assert retention.enforce(app) == {"cdr": total}
    assert stored(app.engine) == []
    _deleted_stays_deleted(app, asterisk, gone, events.events)
    assert stored(app.engine) == []
