"""Nothing lost, nothing duplicated: bridge stopped, bridge SIGKILLed, Asterisk restarted and
PostgreSQL down, each during a burst of real calls."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from tests.integration.cdr_support import (
    RECORDS_PER_PLAIN_CALL,
    ThrowawayPostgres,
    active_channels,
    asterisk_records,
    make_app,
    originate,
    per_call,
    prepare,
    running_bridge,
    stored,
    stored_keys_once,
    wait_until,
)

pytestmark = pytest.mark.asterisk
N = 20


def _sqlite(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


def _complete(app: App, inst: Instance, calls: int) -> None:
    rows = stored(app.engine)
    stored_keys_once(rows)
    assert len(per_call(rows)) == calls
    assert set(per_call(rows).values()) == {RECORDS_PER_PLAIN_CALL}
    truth = {(r["uniqueid"], r["sequence"]) for r in asterisk_records(inst)}
    assert truth <= {(r["uniqueid"], r["sequence"]) for r in rows}


def test_calls_while_bridge_stopped_are_imported_exactly_once(asterisk: Instance,
                                                               tmp_path: Path) -> None:
    prepare(asterisk)
    app = make_app(tmp_path, asterisk, _sqlite(tmp_path))

    async def main() -> None:
        await originate(asterisk, "plain", N, talk=1)
        await wait_until(lambda: active_channels(asterisk) == 0, 60, "the calls to end")
        assert stored(app.engine) == []
        async with running_bridge(app):  # reconciles on start
            await wait_until(lambda: len(stored(app.engine)) == N * RECORDS_PER_PLAIN_CALL,
                             60, "the reconciliation")
        async with running_bridge(app):  # and again: nothing new, nothing twice
            await asyncio.sleep(0)

    asyncio.run(main())
    _complete(app, asterisk, N)
    assert {r["origin"] for r in stored(app.engine)} == {"csv"}


def test_bridge_sigkilled_mid_burst_loses_and_duplicates_nothing(asterisk: Instance,
                                                                 tmp_path: Path) -> None:
    prepare(asterisk)
    app = make_app(tmp_path, asterisk, _sqlite(tmp_path))
    log_path = tmp_path / "bridge.log"
    log = log_path.open("w")

    def bridge() -> subprocess.Popen[bytes]:
        return subprocess.Popen([str(Path(sys.executable).with_name("voco")), "--config",
                                 str(app.config.path), "bridge", "run"], stdout=log,
                                stderr=log, cwd=Path(__file__).parents[2])

    def running_with_rows() -> bool:
        return len(stored(app.engine)) > 0

    async def main() -> None:
        first = bridge()
        try:
            await wait_until(lambda: "bridge.started" in log_path.read_text(), 60,
                             "the bridge to start")
            burst = asyncio.create_task(originate(asterisk, "plain", N, talk=1, spacing=0.15))
            await wait_until(running_with_rows, 60, "the first CDRs to be stored")
            os.kill(first.pid, signal.SIGKILL)
            first.wait()
            killed_mid_burst = not burst.done()
            await burst
        finally:
            if first.poll() is None:
                first.kill()
        assert killed_mid_burst
        await wait_until(lambda: active_channels(asterisk) == 0, 60, "the calls to end")
        second = bridge()
        try:
            await wait_until(lambda: len(stored(app.engine)) >= N * RECORDS_PER_PLAIN_CALL,
                             60, "the restarted bridge to reconcile")
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(30)

    asyncio.run(main())
    _complete(app, asterisk, N)


def test_asterisk_restart_mid_burst(asterisk: Instance, tmp_path: Path) -> None:
    prepare(asterisk)
    app = make_app(tmp_path, asterisk, _sqlite(tmp_path))

    async def main() -> None:
        async with running_bridge(app) as (bridge, _):
            await originate(asterisk, "plain", N // 2, talk=3, spacing=0.1)
            await asyncio.to_thread(asterisk.stop)  # calls still up are cut
            await asyncio.to_thread(asterisk.start)
            prepare(asterisk)
            await bridge.wait_connected("ami", 60)
            await originate(asterisk, "plain", N // 2, talk=1, spacing=0.1)
            await wait_until(lambda: active_channels(asterisk) == 0, 60, "the calls to end")
            truth = {(r["uniqueid"], r["sequence"]) for r in asterisk_records(asterisk)}
            await wait_until(
                lambda: truth <= {(r["uniqueid"], r["sequence"]) for r in stored(app.engine)},
                60, "every record Asterisk wrote to be stored")

    asyncio.run(main())
    rows = stored(app.engine)
    keys = stored_keys_once(rows)
    truth = {(r["uniqueid"], r["sequence"]) for r in asterisk_records(asterisk)}
    assert truth <= keys
    assert len(per_call(rows)) == N  # every call placed has its records


def test_postgres_outage_mid_burst_goes_through_the_journal(asterisk: Instance,
                                                            tmp_path: Path) -> None:
    prepare(asterisk)
    pg = ThrowawayPostgres()
    try:
        app = make_app(tmp_path, asterisk, pg.url)

        async def main() -> None:
            async with running_bridge(app, flush_every=0.5) as (_, capture):
                await originate(asterisk, "plain", N // 2, talk=1, spacing=0.1)
                await wait_until(lambda: len(stored(app.engine)) > 0, 60, "first CDRs")
                await asyncio.to_thread(pg.stop)
                await originate(asterisk, "plain", N // 2, talk=1, spacing=0.1)
                await wait_until(lambda: active_channels(asterisk) == 0, 60, "calls to end")
                await wait_until(lambda: capture.journal.pending() > 0, 60,
                                 "CDRs to wait in the journal")
                await asyncio.to_thread(pg.start)
                await wait_until(lambda: capture.journal.pending() == 0, 60,
                                 "the journal to be flushed")
                await wait_until(lambda: len(stored(app.engine)) >= N * 3, 60, "all CDRs")

        asyncio.run(main())
        _complete(app, asterisk, N)
        app.engine.dispose()
    finally:
        pg.destroy()
