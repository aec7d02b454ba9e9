"""A person's rights on a real Asterisk, on SQLite and on PostgreSQL: two external callers
reach extension 1002 (whose owner has an e-mail and a mobile) through the carrier trunk, both
consent, both calls are recorded by the real bridge; the company directory holds a client.

A raw scan of the store (the SQLite file, its WAL and everything in the data directory; a
``pg_dump`` of the PostgreSQL database) finds no caller's number or name, no owner's e-mail or
mobile, no contact's detail in clear. Then, for one caller: find → export (decrypted with the
``age`` CLI, complete against what the calls produced: her recording and her CDR legs with her
number opened) → a hold refuses the erasure → erase → the scan and ``voco subject find`` find
nothing of her, the operation log verifies, the CDRs' counts and durations are unchanged; a
hold on the other call refuses its deletion.
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
from sqlalchemy import or_, select

from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.context import App
from asterisk_bridge.errors import ExitCode
from asterisk_bridge.recording import query
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.services.init import initialise
from asterisk_bridge.store.models import OplogEntry
from asterisk_bridge.store.models.cdr import CdrRecord
from asterisk_bridge.store.models.recording import Recording, RecordingTombstone
from tests.conftest import CliCall
from tests.integration.provision_support import attach, ok
from tests.polling import await_for

pytestmark = pytest.mark.asterisk
ALICE, BOB = "+442079460000", "+12125550100"
ALICE_NAME, BOB_NAME = "Alice Liddell", "Robert Paulson"
OWNER_EMAIL, OWNER_MOBILE = "bob.sales@corp.test", "+447700900456"
CLIENT = ("Carol Client", "+442079460111", "carol@client.test", "Client Ltd")
#: Personal data that must never be found in clear at rest (numbers without their +, so any
#: spelling is caught).
ALICE_DATA = ("2079460000", ALICE_NAME)
EVERYONE = (*ALICE_DATA, "2125550100", BOB_NAME, OWNER_EMAIL, "7700900456", *CLIENT[:1],
            "2079460111", CLIENT[2], CLIENT[3])


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, config_path: Path, tmp_path: Path) -> App:
    """An installation whose store is SQLite in the data directory, or PostgreSQL."""
    url = None if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))
    return App(initialise(config_path, tmp_path / "data", url))


def _at_rest(app: App) -> bytes:
    """Every byte Voco keeps: the data directory (the SQLite store, its WAL, the journal, the
    recordings) and, for PostgreSQL, a dump of the database."""
    data = b"".join(p.read_bytes() for p in sorted(app.config.data_dir.rglob("*"))
                    if p.is_file())
    url = app.engine.url
    if url.get_backend_name() == "postgresql":
        data += subprocess.run(
            ["pg_dump", "-h", str(url.host), "-p", str(url.port), "-U", str(url.username),
             str(url.database)], check=True, capture_output=True).stdout
    return data


def _in_clear(app: App, values: tuple[str, ...]) -> list[str]:
    raw = _at_rest(app)
    return [v for v in values if v.encode() in raw]


async def _place_calls(app: App) -> None:
    """Both callers call 1002 through the carrier; the real bridge stores everything."""
    async with Bridge(app) as bridge:
        for caller in (f'"{ALICE_NAME}" <{ALICE}>', f'"{BOB_NAME}" <{BOB}>'):
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


def test_find_export_hold_erase_on_real_asterisk(store: App, asterisk: Instance,
                                                 run_cli: CliCall, config_path: Path,
                                                 tmp_path: Path) -> None:
    attach(config_path, asterisk)
    app = App.open(config_path)
    ok(run_cli("extension", "add", "1002", "--name", "Bob Sales", "--email", OWNER_EMAIL,
               "--mobile", OWNER_MOBILE))
    name, number, email, company = CLIENT
    ok(run_cli("contact", "add", name, "--number", number, "--email", email, "--company",
               company))
    ok(run_cli("trunk", "add", "carrier", "--host", "127.0.0.1", "--identify", "127.0.0.1/32"))
    ok(run_cli("recording-policy", "set", "trunk", "carrier", "yes"))
    ok(run_cli("apply"))
    asyncio.run(_place_calls(app))
    assert _in_clear(app, EVERYONE) == []  # sealed per person, everywhere at rest
    with app.engine.connect() as conn:
        recordings = {r.id: r for r in conn.execute(select(Recording))}
    # The consent dialplan records the called leg: the caller is its connected line.
    shown = {r["id"]: r for r in query.with_parties(app.engine, app.master_key,
                                                     list(recordings.values()))}
    by_caller = {str(shown[i]["caller"]).rsplit(" <", 1)[1].rstrip(">"): r
                 for i, r in recordings.items()}
    rec_a, rec_b = by_caller[ALICE], by_caller[BOB]
    assert rec_a.connected_subject and rec_b.connected_subject != rec_a.connected_subject
    # The CLI opens what is sealed; her calls are found by her number, through the blind index.
    legs = _json(run_cli, "cdr", "list", "--number", ALICE)
    assert legs and {leg["linkedid"] for leg in legs} == {rec_a.linkedid}
    assert any(leg["src"] == ALICE and ALICE_NAME in leg["clid"] for leg in legs)

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
    exported = manifest["categories"]["cdr"]["records"]
    with app.engine.connect() as conn:
        hers = conn.execute(select(CdrRecord.id).where(or_(
            CdrRecord.src_subject == found["subject"],
            CdrRecord.dst_subject == found["subject"]))).scalars().all()
    assert sorted(r["id"] for r in exported) == sorted(hers) and len(hers) >= 1
    assert all(r["src"] == ALICE and ALICE_NAME in r["clid"] for r in exported)
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
    # Her CDR legs stay for billing, her fields unreadable; nothing of her is left in clear.
    assert _json(run_cli, "cdr", "list", "--number", ALICE) == []
    assert _in_clear(app, EVERYONE) == []
