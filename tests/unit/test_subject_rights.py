"""A person's rights: find everything held about them, export it as an age bundle the standard
``age`` tool opens, erase it (recordings crypto-shredded, key destroyed, CDR rows kept), all in
the operation log without their identifier in clear. Run on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from asterisk_bridge.cdr.sealing import CdrSealer
from asterisk_bridge.cdr.store import insert_rows
from asterisk_bridge.errors import ExitCode
from asterisk_bridge.recording.vault import recordings_dir
from asterisk_bridge.store.models.cdr import CdrRecord
from asterisk_bridge.store.models.contacts import PersonalContact
from asterisk_bridge.store.models.recording import Recording, RecordingTombstone
from asterisk_bridge.store.models.subjects import Subject, SubjectTombstone
from tests.conftest import CliCall
from tests.unit.cli_support import ok
from tests.unit.subject_support import (
    ALICE,
    BOB,
    CALL_A,
    CALL_B,
    REC_A,
    REC_B,
    Store,
    build,
    counts,
    in_clear,
    last_entry,
    leg,
    oplog_text,
)

PASSPHRASE = "the agent's own long passphrase"


@pytest.fixture
def store(db_url: str, config_path: Path, tmp_path: Path, ram_spool: Path,
          run_cli: CliCall) -> Store:
    built = build(db_url, config_path, tmp_path, ram_spool, run_cli)
    secret = tmp_path / "passphrase"
    secret.write_text(PASSPHRASE)
    for findable in (("--findable",), ()):  # the agent keeps Alice twice: findable, and not
        ok(run_cli, "contact", "personal", "add", "--extension", "1001", "Alice Caller",
           "--number", ALICE, *findable, "--passphrase-file", str(secret))
    return built


def find(store: Store, *who: str) -> dict[str, Any]:
    return dict(json.loads(ok(store.cli, "subject", "find", *who, "--json")))


def category(found: dict[str, Any], name: str) -> tuple[int, list[str]]:
    entry = found["categories"][name]
    return entry["count"], entry["ids"]


@pytest.fixture
def age_key(tmp_path: Path) -> tuple[Path, str]:
    """An age identity file and its recipient."""
    key = tmp_path / "age.key"
    subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    recipient = subprocess.run(["age-keygen", "-y", str(key)], check=True, capture_output=True,
                               text=True).stdout.strip()
    return key, recipient


def open_bundle(path: Path, key: Path) -> dict[str, bytes]:
    """Every file of an export bundle, decrypted with the age CLI."""
    plain = subprocess.run(["age", "-d", "-i", str(key), str(path)], check=True,
                           capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()  # type: ignore[union-attr]
                if m.isfile()}


def test_find_lists_every_category_with_counts_and_ids(store: Store, tmp_path: Path) -> None:
    alice = find(store, "+44 20 7946 0000")
    assert alice["kind"] == "phone" and alice["subject"]
    assert category(alice, "recordings") == (1, [REC_A])
    assert category(alice, "calls") == (1, [CALL_A])
    # Personal contacts: a count of the findable ones only, never an id.
    assert category(alice, "personal_contacts") == (1, [])
    agent = find(store, "--extension", "1001")
    assert category(agent, "recordings") == (2, sorted([REC_A, REC_B]))
    assert category(agent, "calls") == (2, [CALL_A, CALL_B])
    nobody = find(store, "+49 30 1234567")
    assert nobody["subject"] is None
    assert all(c["count"] == 0 for c in nobody["categories"].values())
    text = ok(store.cli, "subject", "find", ALICE)
    assert text.startswith(f"subject {alice['subject']} (phone)\nCATEGORY")
    command, result, args, _ = last_entry(store.app)
    assert (command, result, args["data"], args["rows"]) == ("subject find", "ok",
                                                            "subject data", 6)
    assert in_clear(oplog_text(store.app)) == []
    assert category(find(store, ALICE), "oplog")[0] == 2  # the two finds of her above
    # The owner deletes the findable contact: it is no longer found.
    ids = [line.split()[0] for line in ok(store.cli, "contact", "personal", "list",
                                           "--extension", "1001", "--passphrase-file",
                                           str(tmp_path / "passphrase")).splitlines()[1:]]
    for ref in ids:
        ok(store.cli, "contact", "personal", "remove", "--extension", "1001", ref,
           "--passphrase-file", str(tmp_path / "passphrase"))
    assert category(find(store, ALICE), "personal_contacts") == (0, [])


def test_export_is_an_age_bundle_with_manifest_and_audio(store: Store, tmp_path: Path,
                                                         age_key: tuple[Path, str]) -> None:
    key, recipient = age_key
    ok(store.cli, "disclosure", "add", "--subject", ALICE, "--recipient", "Police, DC Smith",
       "--basis", "court order 2026/1", "--items", f"recordings:{REC_A}",
       "--notice-sent", "2026-01-05")
    ok(store.cli, "disclosure", "add", "--subject", ALICE, "--recipient", "Tax office",
       "--basis", "statute 9", "--items", "cdr", "--notice-withheld", "ongoing investigation")
    ok(store.cli, "hold", "add", "--subject", ALICE, "--reason", "litigation")
    bundle = tmp_path / "alice.age"
    out = ok(store.cli, "subject", "export", "+44 20 7946 0000", "--age-recipient", recipient,
             "-o", str(bundle), "--disclosure", "1")
    command, _, args, _ = last_entry(store.app)
    assert (command, args["data"], args["rows"], args["disclosure"]) == (
        "subject export", "subject data", 4, 1)
    assert bundle.stat().st_mode & 0o777 == 0o600
    files = open_bundle(bundle, key)
    manifest = json.loads(files.pop("manifest.json"))
    wav = tmp_path / "a.wav"
    ok(store.cli, "recording", "export", REC_A, "-o", str(wav))
    assert files == {f"recordings/{REC_A}.wav": wav.read_bytes()}
    assert manifest["format"] == "voco-subject-export/1" and manifest["disclosure"] == 1
    assert manifest["subject"]["identifier"] == {"kind": "phone", "value": ALICE}
    cats = manifest["categories"]
    [rec] = cats["recordings"]["records"]
    assert (rec["id"], rec["linkedid"], rec["roles"], rec["audio"]) == (
        REC_A, CALL_A, ["connected"], f"recordings/{REC_A}.wav")
    assert "key_id" not in rec and "connected_subject" not in rec
    # Her two CDR legs, with her own values opened; the extension owner's stay out.
    legs = cats["cdr"]["records"]
    assert [(leg["roles"], leg["src"], leg["clid"]) for leg in legs] == [
        (["src"], ALICE, f'"Caller" <{ALICE}>')] * 2
    assert all("dst" not in leg and "src_subject" not in leg for leg in legs)
    # She sees the disclosure she was told about, not the withheld one, nor the hold.
    [told] = cats["disclosures"]["records"]
    assert (told["recipient"], told["subject_label"]) == ("Police, DC Smith", f"phone:{ALICE}")
    assert "holds" not in cats and "oplog" not in cats and "calls" not in cats
    assert "1 personal contact(s) in the own address books of 1 user(s)" in cats[
        "personal_contacts"]["note"]
    # The bundle is linked to its disclosure entry, by hash.
    digest = hashlib.sha256(bundle.read_bytes()).hexdigest()
    assert digest in out
    [linked] = json.loads(ok(store.cli, "disclosure", "show", "1", "--json"))["exports"]
    assert (linked["sha256"], linked["records"]) == (digest, 4)
    assert in_clear(oplog_text(store.app)) == []


def test_export_refuses_before_writing_anything(store: Store, tmp_path: Path,
                                                age_key: tuple[Path, str]) -> None:
    _, recipient = age_key
    bundle = tmp_path / "out.age"
    ok(store.cli, "disclosure", "add", "--subject", BOB, "--recipient", "r", "--basis", "b",
       "--items", "cdr", "--notice-sent", "2026-01-05")
    for args, code, says in (
            (("--age-recipient", "age1nonsense"), ExitCode.BAD_INPUT, "not an age"),
            (("--age-recipient", recipient, "--disclosure", "1"), ExitCode.BAD_INPUT,
             "about another subject"),
            (("--age-recipient", recipient, "--disclosure", "7"), ExitCode.NOT_FOUND,
             "does not exist")):
        result = store.cli("subject", "export", ALICE, "-o", str(bundle), *args)
        assert result.exit_code == code and says in result.output, result.output
    result = store.cli("subject", "export", "+49 30 1234567", "-o", str(bundle),
                       "--age-recipient", recipient)
    assert result.exit_code == ExitCode.NOT_FOUND and "no subject is known" in result.output
    # A recording that fails authentication half-way: no bundle at all.
    with store.app.engine.connect() as conn:
        path = conn.execute(select(Recording.path).where(Recording.id == REC_A)).scalar_one()
    cipher = recordings_dir(store.app) / path
    data = bytearray(cipher.read_bytes())
    data[-40] ^= 1
    cipher.write_bytes(bytes(data))
    result = store.cli("subject", "export", ALICE, "-o", str(bundle), "--age-recipient",
                       recipient)
    assert result.exit_code == ExitCode.FAILURE, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # an error, not a crash
    assert "failed authentication" in result.output
    assert list(tmp_path.glob("*out.age*")) == []


def _cdr_figures(store: Store) -> list[tuple[Any, ...]]:
    with store.app.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(
            CdrRecord.id, CdrRecord.start, CdrRecord.duration, CdrRecord.billsec,
            CdrRecord.disposition).order_by(CdrRecord.id))]


def test_erase_shreds_recordings_destroys_the_key_and_keeps_billing(store: Store) -> None:
    alice = find(store, ALICE)["subject"]
    figures, before = _cdr_figures(store), counts(store.app)
    ok(store.cli, "disclosure", "add", "--subject", ALICE, "--recipient", "Police",
       "--basis", "order", "--items", "cdr", "--notice-sent", "2026-01-05")
    dry = ok(store.cli, "subject", "erase", ALICE, "--reason", "her request", "--dry-run")
    assert "crypto-shredded" in dry and dry.rstrip().endswith("dry run: nothing was changed")
    declined = store.cli("subject", "erase", ALICE, "--reason", "her request", input="n\n")
    assert declined.exit_code == ExitCode.FAILURE and "Aborted" in declined.output
    assert counts(store.app) == before and find(store, ALICE)["subject"] == alice

    erased = store.cli("subject", "erase", "+44 20 7946 0000", "--reason", "her request",
                       input="y\n")
    assert erased.exit_code == 0, erased.output
    assert erased.output.rstrip().endswith(f"erased subject {alice}: key destroyed; destroyed "
                                 "1 recordings, 1 personal_contacts")
    assert counts(store.app) == (before[0], before[1] - 1)
    assert _cdr_figures(store) == figures  # billing: every CDR, its times and durations
    with store.app.engine.connect() as conn:
        assert conn.execute(select(Subject).where(Subject.id == alice)).first() is None
        stone = conn.execute(select(SubjectTombstone)).one()
        assert (stone.subject_id, stone.reason) == (alice, "her request")
        shredded = conn.execute(select(RecordingTombstone)).one()
        assert (shredded.recording_id, shredded.reason) == (
            REC_A, f"erasure of subject {alice}: her request")
        assert conn.execute(select(func.count()).select_from(PersonalContact)).scalar() == 1
    gone = find(store, ALICE)
    assert gone["subject"] is None
    assert all(c["count"] == 0 for name, c in gone["categories"].items()
               if name != "personal_contacts")
    assert category(gone, "personal_contacts") == (0, [])
    assert category(find(store, "--extension", "1001"), "recordings") == (1, [REC_B])
    assert ok(store.cli, "oplog", "verify").startswith("operation log intact")
    listed = json.loads(ok(store.cli, "disclosure", "list", "--json"))
    assert [d["identifier"][:15] for d in listed] == ["(subject erased"]
    assert in_clear(oplog_text(store.app)) == []
    result = store.cli("subject", "erase", ALICE, "--reason", "again", "--yes")
    assert result.exit_code == ExitCode.NOT_FOUND


@pytest.mark.parametrize("args", [
    ("subject", "find", "+44 20 7946 000x"),
    ("subject", "find", ALICE, "--email", "alice@corp.test"),
    ("subject", "find", "--email", "not-an-address@corp.test;"),
    ("subject", "find", "--extension", "1;1"),
    ("subject", "erase", ALICE, "--reason", " ", "--yes"),
])
def test_bad_identifiers_are_refused_and_never_logged(store: Store, args: tuple[str, ...]
                                                      ) -> None:
    result = store.cli(*args)
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert in_clear(result.output) == [] and "corp.test" not in result.output
    assert in_clear(oplog_text(store.app)) == [] and "corp.test" not in oplog_text(store.app)



def _db_bytes(store: Store) -> bytes:
    """Every byte SQLite keeps for the store: the main file and, if any, its WAL."""
    path = Path(store.app.engine.url.database or "")
    return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal"))
                    if p.exists())


@pytest.fixture
def secure_delete_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """New SQLite connections start as in a build without SQLITE_SECURE_DELETE (Debian's
    turns it on, python.org's and most others do not): the store must turn it on itself."""
    connect = sqlite3.dbapi2.connect

    def plain(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)
        conn.execute("PRAGMA secure_delete=OFF")
        return conn

    monkeypatch.setattr(sqlite3.dbapi2, "connect", plain)


def test_erase_leaves_no_sealed_bytes_of_deleted_rows_in_the_sqlite_file(
        store: Store, tmp_path: Path, secure_delete_off_by_default: None) -> None:
    """secure_delete is on for every connection: what an erasure deletes in transactions of
    its own (a findable personal contact of a caller with no recording) and the caller's
    wrapped key are zeroed in the file, not left in its free pages."""
    if store.app.engine.dialect.name != "sqlite":
        pytest.skip("free pages are SQLite's: PostgreSQL's dead tuples are vacuumed")
    store.app.engine.dispose()  # connections from now on start with secure_delete off
    carol = "+12125550199"
    insert_rows(store.app.engine, [leg("1795912000.0", 1, carol, datetime.now(UTC)
                                       .replace(tzinfo=None))], CdrSealer(store.app.master_key))
    with store.app.engine.connect() as conn:
        known = set(conn.execute(select(PersonalContact.sealed)).scalars())
    ok(store.cli, "contact", "personal", "add", "--extension", "1001", "Carol Caller",
       "--number", carol, "--findable", "--passphrase-file", str(tmp_path / "passphrase"))
    subject = find(store, carol)["subject"]
    with store.app.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        contact = (set(conn.execute(select(PersonalContact.sealed)).scalars()) - known).pop()
        wrapped = conn.execute(select(Subject.wrapped_key)
                               .where(Subject.id == subject)).scalar_one()
    before = _db_bytes(store)
    assert before.find(contact) >= 0 and before.find(wrapped) >= 0
    done = ok(store.cli, "subject", "erase", carol, "--reason", "her request", "--yes")
    assert "destroyed 1 personal_contacts" in done
    after = _db_bytes(store)
    assert (after.find(contact), after.find(wrapped)) == (-1, -1)
