"""Live on real Asterisk: a caller number holding CR LF forges the Cdr event of the caller's
own call as the bridge reads it from AMI; reconciliation stores Master.csv's copy instead.

The call is the one tests/fixtures/ami/capture_forged_cdr.py records: an AMI Originate of
Local channels whose dialplan sets ``CALLERID(num)`` to ``1001`` CR LF CR LF ``Event: Cdr`` /
``Source: 999`` / ``Destination: 555`` / ``CallerID: <999`` (URI-decoded by the dialplan).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from panoramisk import Manager

from asterisk_bridge.cdr.truth import differing
from asterisk_bridge.sandbox.instance import Instance
from tests.fixtures.ami.capture_forged_cdr import DIALPLAN, originate
from tests.integration.cdr_support import DIALPLAN as CDR_DIALPLAN
from tests.integration.cdr_support import (
    active_channels,
    asterisk_records,
    by_key,
    make_app,
    running_bridge,
    stored,
    wait_until,
)

pytestmark = pytest.mark.asterisk
Rows = dict[tuple[str, int], dict[str, Any]]


async def _place_call(inst: Instance) -> None:
    info = inst.info()
    manager = Manager(host="127.0.0.1", port=info.ami_port, username=info.ami_user,
                      secret=info.ami_secret, ping_delay=0, reconnect_timeout=0)
    await manager.connect()
    try:
        reply = await manager.send_action(originate())
        first = reply[0] if isinstance(reply, list) else reply
        assert first.Response == "Success", first
    finally:
        manager.close()


def test_master_csv_corrects_a_cdr_forged_through_the_caller_number(
        asterisk: Instance, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    asterisk.write_files({"extensions_test.conf": CDR_DIALPLAN + DIALPLAN})
    asterisk.rx("dialplan reload")
    app = make_app(tmp_path, asterisk, f"sqlite:///{tmp_path / 'store.db'}")

    async def main() -> tuple[Rows, Rows]:
        async with running_bridge(app, reconcile_every=3600) as (_bridge, capture):
            await _place_call(asterisk)
            await wait_until(lambda: active_channels(asterisk) == 0, 60, "the call to end")
            await wait_until(lambda: len(stored(app.engine)) == 3, 30,
                             "the AMI copies of the call's three CDRs to be stored")
            forged = by_key(stored(app.engine, app.master_key))
            assert capture.rejected == 4  # each forging record's start and middle frame
            await capture.reconcile_now()
            return forged, by_key(stored(app.engine, app.master_key))

    forged, after = asyncio.run(main())
    truth = by_key(asterisk_records(asterisk))
    assert len(truth) == 3
    lied = {k: (r["src"], r["dst"]) for k, r in forged.items() if r["src"] == "999"}
    assert sorted(lied.values()) == [("999", "555")] * 2  # the injection works on AMI
    assert after.keys() == truth.keys()
    for key, row in truth.items():
        assert differing(after[key], row) == [], key
        assert after[key]["id"] == forged[key]["id"]
    for key in truth.keys() - lied.keys():  # the honest record: nothing to correct
        assert differing(forged[key], truth[key]) == [], key
    warned = [r.getMessage() for r in caplog.records if r.name == "asterisk_bridge.cdr.truth"]
    assert sorted(m.split()[1] for m in warned) == sorted(f"node1/{u}/{q}" for u, q in lied)
    assert all(" in src, dst, dcontext, clid; " in m for m in warned)
    for key in lied:
        assert after[key]["src"].startswith("1001\r\n\r\nEvent: Cdr")  # what Asterisk wrote
        assert after[key]["dst"] in ("forge", "bob-n-1-1")
