"""A person's rights on a real Asterisk: two external callers reach extension 1002 through the
carrier trunk, both consent, both calls are recorded by the real bridge. Then, for one caller:
find → export (decrypted with the ``age`` CLI, complete against what the calls produced) → a
hold refuses the erasure → erase → find finds nothing, the operation log verifies, the CDRs'
counts and durations are unchanged; a hold on the other call refuses its deletion.

What personal data is keyed by subject here is what this branch keys: recordings (their
parties), holds, disclosures, the operation log's arguments. The CDR's own fields join when they
are sealed per subject (see docs/subjects.md).
"""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import tarfile
import wave
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.context import App
from asterisk_bridge.errors import ExitCode
from asterisk_bridge.recording import query
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.store.models import OplogEntry
from asterisk_bridge.store.models.cdr import CdrRecord
from asterisk_bridge.store.models.recording import Recording, RecordingTombstone
from tests.conftest import CliCall
from tests.integration.provision_support import attach, ok
from tests.polling import await_for

pytestmark = pytest.mark.asterisk
ALICE, BOB = "+442079460000", "+12125550100"


async def _place_calls(app: App) -> None:
    """Both callers call 1002 through the carrier; the real bridge stores everything."""
    async with Bridge(app) as bridge:
        for caller in (f"Alice <{ALICE}>", f"Bob <{BOB}>"):
            resp = await bridge.ami_action({
                "Action": "Originate", "Channel": "Local/alice-1-3-6@phone/n",
                "Context": "sandbox-calls", "Exten": "demo-1002", "Priority": "1",
                "CallerID": caller, "Async": "false"}, timeout=30)
            first = resp[0] if isinstance(resp, list) else resp
            assert first.get("Response") == "Success", resp

        def stored() -> bool:
            with app.engine.connect() as conn:
                recs = conn.execute(select(Recording.id)).all()
                answered = conn.execute(select(CdrRecord.id).where(
                    CdrRecord.disposition == "ANSWERED")).all()
            return len(recs) == 2 and len(answered) >= 2

        await await_for(stored, "both recordings and their CDRs", timeout=120)


def _json(cli: CliCall, *args: str) -> Any:
    return json.loads(ok(cli(*args, "--json")).output)


def _cdr_figures(app: App) -> list[tuple[Any, ...]]:
    with app.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(
            CdrRecord.id, CdrRecord.linkedid, CdrRecord.start, CdrRecord.duration,
            CdrRecord.billsec, CdrRecord.disposition).order_by(CdrRecord.id))]


def test_find_export_hold_erase_on_real_asterisk(app: App, asterisk: Instance, run_cli: CliCall,
                                                 config_path: Path, tmp_path: Path) -> None:
    attach(config_path, asterisk)
    app = App.open(config_path)
    ok(run_cli("extension", "add", "1002", "--name", "Bob Sales"))
    ok(run_cli("trunk", "add", "carrier", "--host", "127.0.0.1", "--identify", "127.0.0.1/32"))
    ok(run_cli("recording-policy", "set", "trunk", "carrier", "yes"))
    ok(run_cli("apply"))
    asyncio.run(_place_calls(app))
    with app.engine.connect() as conn:
        recordings = {r.id: r for r in conn.execute(select(Recording))}
    # The consent dialplan records the called leg: the caller is its connected line.
    shown = {r["id"]: r for r in query.with_parties(app.engine, app.master_key,
                                                     list(recordings.values()))}
    by_caller = {str(shown[i]["caller"]).rsplit(" <", 1)[1].rstrip(">"): r
                 for i, r in recordings.items()}
    rec_a, rec_b = by_caller[ALICE], by_caller[BOB]
    assert rec_a.connected_subject and rec_b.connected_subject != rec_a.connected_subject

    # find: her call and its recording, by any spelling of her number.
    found = _json(run_cli, "subject", "find", "+44 20 7946 0000")
    cats = found["categories"]
    assert cats["recordings"]["ids"] == [rec_a.id]
    assert cats["calls"]["ids"] == [rec_a.linkedid]

    # export: the age CLI opens it; it holds every recording her calls produced, as exported.
    key = tmp_path / "age.key"
    subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    recipient = subprocess.run(["age-keygen", "-y", str(key)], check=True, capture_output=True,
                               text=True).stdout.strip()
    bundle = tmp_path / "alice.age"
    ok(run_cli("subject", "export", ALICE, "--age-recipient", recipient, "-o", str(bundle)))
    plain = subprocess.run(["age", "-d", "-i", str(key), str(bundle)], check=True,
                           capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    manifest = json.loads(files.pop("manifest.json"))
    produced = [r.id for r in recordings.values() if r.linkedid == rec_a.linkedid]
    assert [r["id"] for r in manifest["categories"]["recordings"]["records"]] == produced
    direct = tmp_path / "a.wav"
    ok(run_cli("recording", "export", rec_a.id, "-o", str(direct)))
    assert files == {f"recordings/{rec_a.id}.wav": direct.read_bytes()}
    with wave.open(io.BytesIO(direct.read_bytes())) as w:
        assert w.getnframes() / w.getframerate() > 2  # the conversation, not an empty file

    # A hold on her refuses her erasure, naming it; a hold on Bob's call refuses its deletion.
    ok(run_cli("hold", "add", "--subject", ALICE, "--reason", "litigation 12"))
    refused = run_cli("subject", "erase", ALICE, "--reason", "her request", "--yes")
    assert refused.exit_code == ExitCode.HELD and "legal hold 1 on subject" in refused.output
    ok(run_cli("hold", "add", "--call", rec_b.linkedid, "--reason", "dispute 7"))
    with app.engine.connect() as conn:
        b_leg = conn.execute(select(CdrRecord.id).where(
            CdrRecord.linkedid == rec_b.linkedid)).scalars().first()
    for args in (("recording", "delete", rec_b.id, "--reason", "x"),
                 ("cdr", "delete", "--id", str(b_leg), "--reason", "x", "--yes")):
        result = run_cli(*args)
        assert result.exit_code == ExitCode.HELD and "legal hold 2 on call" in result.output
    ok(run_cli("hold", "release", "1", "--reason", "settled"))

    # erase: her recording shredded, her key gone; Bob's call, every CDR and the log intact.
    figures = _cdr_figures(app)
    ok(run_cli("subject", "erase", "+44 20 7946 0000", "--reason", "her request", "--yes"))
    gone = _json(run_cli, "subject", "find", ALICE)
    assert gone["subject"] is None
    assert all(c["count"] == 0 for c in gone["categories"].values())
    assert _cdr_figures(app) == figures
    with app.engine.connect() as conn:
        assert [r.id for r in conn.execute(select(Recording))] == [rec_b.id]
        assert conn.execute(select(RecordingTombstone.recording_id)).scalars().all() == [
            rec_a.id]
        logged = " ".join(f"{e.args} {e.message}" for e in conn.execute(select(OplogEntry)))
    assert not (recordings_dir := app.config.data_dir / "recordings").joinpath(
        rec_a.path).exists() and recordings_dir.joinpath(rec_b.path).exists()
    assert "2079460000" not in logged and "7946" not in logged
    assert ok(run_cli("oplog", "verify")).output.startswith("operation log intact")
