"""Subjects: identifiers normalised, fields bound to their place, keys found and erased.

The store tests run on SQLite and PostgreSQL; the race test runs two real connections against
PostgreSQL, where two bridges can meet the same new caller at the same moment.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select

from asterisk_bridge.context import App
from asterisk_bridge.errors import CryptoError, NotFoundError, ValidationError
from asterisk_bridge.masterkey.rotate import rotate
from asterisk_bridge.store import migrate
from asterisk_bridge.store.models.subjects import Subject, SubjectIdentifier, SubjectTombstone
from asterisk_bridge.subjects import FieldRef, SubjectVault, fields, identity
from asterisk_bridge.subjects.identity import Identifier

MASTER = bytes(range(32))
ALICE = identity.phone("+44 20 7946 0000")
BOB = identity.phone("+1 212 555 0100")


@pytest.mark.parametrize(("raw", "region", "expected"), [
    ("+44 20 7946 0000", "", "+442079460000"),
    ("+44 (0)20 7946-0000", "", "+442079460000"),
    ("020 7946 0000", "GB", "+442079460000"),
    ("0044 20 7946 0000", "GB", "+442079460000"),
    ("020 7946 0000", "", "02079460000"),  # no region: the dialled digits, still one identifier
    ("1001", "GB", "1001"),  # too short to be a number of the region: kept as dialled
    ("+12125550100", "DE", "+12125550100"),
])
def test_numbers_are_normalised(raw: str, region: str, expected: str) -> None:
    assert identity.phone(raw, region) == Identifier("phone", expected)


@pytest.mark.parametrize("raw", ["", "anonymous", "s", "  "])
def test_nothing_number_like_is_no_identifier(raw: str) -> None:
    assert identity.phone(raw, "GB") is None


def test_regions_are_checked() -> None:
    assert identity.check_region("gb") == "GB"
    assert identity.check_region("") == ""
    with pytest.raises(ValidationError, match="region"):
        identity.check_region("Narnia")


def test_emails_compare_case_insensitively() -> None:
    assert identity.email(" Alice@Example.COM ") == identity.email("alice@example.com")


REF = FieldRef("cdr", "src", "node1/1795911331.0/1", "a" * 32)


def test_a_sealed_field_opens_only_where_it_was_sealed() -> None:
    key = bytes(32)
    blob = fields.seal(key, REF, "+442079460000")
    assert fields.open_(key, REF, blob) == "+442079460000"
    assert b"2079460000" not in blob
    for moved in (FieldRef("cdr", "dst", REF.row, REF.subject),
                  FieldRef("cdr", "src", "node1/1795911331.0/2", REF.subject),
                  FieldRef("recordings", "src", REF.row, REF.subject),
                  FieldRef("cdr", "src", REF.row, "b" * 32)):
        with pytest.raises(CryptoError, match="failed authentication"):
            fields.open_(key, moved, blob)
    with pytest.raises(CryptoError):
        fields.open_(bytes([1] * 32), REF, blob)
    edited = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(CryptoError):
        fields.open_(key, REF, edited)


def test_lengths_are_padded() -> None:
    key = bytes(32)
    assert len(fields.seal(key, REF, "Al")) == len(fields.seal(key, REF, "Alexander Smith"))
    assert fields.open_(key, REF, fields.seal(key, REF, "")) == ""
    assert fields.open_(key, REF, fields.seal(key, REF, "Zoë Ärger")) == "Zoë Ärger"


@pytest.fixture
def engine(db_url: str) -> Engine:
    eng = create_engine(db_url)
    migrate.upgrade(eng)
    return eng


def _count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


def test_a_subject_is_created_once_and_found_again(engine: Engine) -> None:
    vault = SubjectVault(MASTER)
    assert ALICE is not None and BOB is not None
    with engine.begin() as conn:
        first = vault.resolve(conn, [ALICE, BOB])
    with engine.begin() as conn:
        again = SubjectVault(MASTER).resolve(conn, [ALICE])
    assert again[ALICE] == first[ALICE] != first[BOB]
    assert _count(engine, Subject) == 2
    with engine.connect() as conn:
        stored = [b for (b,) in conn.execute(select(SubjectIdentifier.bidx))]
    # A 64-hex keyed hash, never the number (a 4-digit fragment could turn up by chance).
    assert all("2079460000" not in b and len(b) == 64 for b in stored)


def test_a_person_gathers_several_identifiers(engine: Engine) -> None:
    vault = SubjectVault(MASTER)
    assert ALICE is not None
    with engine.begin() as conn:
        caller = vault.resolve(conn, [ALICE])[ALICE]
        contact = vault.person(conn, [identity.email("alice@example.com"), ALICE], "contact")
        found = vault.lookup(conn, [identity.email("ALICE@example.com")])
    assert contact == caller  # the number already named a subject: the contact joins it
    assert found == {identity.email("alice@example.com"): caller}


def test_erasure_destroys_the_key_and_the_way_to_find_it(engine: Engine) -> None:
    vault = SubjectVault(MASTER)
    assert ALICE is not None
    with engine.begin() as conn:
        subject = vault.resolve(conn, [ALICE])[ALICE]
        ref = FieldRef("cdr", "src", "node1/1.0/1", subject)
        blob = vault.keys(conn, [subject]).seal(ref, "+442079460000")
    with engine.begin() as conn:
        vault.erase(conn, subject, "root", "data subject request")
    with engine.connect() as conn:
        assert vault.keys(conn, [subject]).open(ref, blob) is None
        assert vault.lookup(conn, [ALICE]) == {}
        tomb = conn.execute(select(SubjectTombstone)).one()
    assert (tomb.subject_id, tomb.erased_by) == (subject, "root")
    with engine.begin() as conn, pytest.raises(NotFoundError):
        vault.erase(conn, subject, "root", "again")
    with engine.begin() as conn:
        reborn = vault.resolve(conn, [ALICE])[ALICE]
    assert reborn != subject  # a later call from the same number starts a new subject


def test_sealing_under_an_erased_subject_is_refused(engine: Engine) -> None:
    vault = SubjectVault(MASTER)
    assert ALICE is not None
    with engine.begin() as conn:
        subject = vault.resolve(conn, [ALICE])[ALICE]
        vault.erase(conn, subject, "root", "request")
        with pytest.raises(CryptoError, match="no key"):
            vault.keys(conn, [subject]).seal(FieldRef("cdr", "src", "r", subject), "x")


def test_rotation_rewraps_subject_keys_and_keeps_the_blind_index(app: App) -> None:
    assert ALICE is not None
    vault = SubjectVault(app.master_key)
    with app.engine.begin() as conn:
        subject = vault.resolve(conn, [ALICE])[ALICE]
        ref = FieldRef("cdr", "src", "node1/1.0/1", subject)
        blob = vault.keys(conn, [subject]).seal(ref, "+442079460000")
    rotate(app)
    del app.master_key
    after = SubjectVault(app.master_key)
    with app.engine.connect() as conn:
        assert after.lookup(conn, [ALICE]) == {ALICE: subject}
        assert after.keys(conn, [subject]).open(ref, blob) == "+442079460000"


@pytest.mark.postgres
def test_two_writers_meeting_a_new_caller_share_one_subject(pg_url: str) -> None:
    engine = create_engine(pg_url)
    migrate.upgrade(engine)
    with engine.begin() as conn:  # the blind-index key exists before the race
        SubjectVault(MASTER).blind(conn, identity.extension("1001"))
    barrier = threading.Barrier(2)
    got: list[str] = []

    def writer() -> None:
        vault = SubjectVault(MASTER)
        with engine.begin() as conn:
            barrier.wait()
            assert ALICE is not None
            got.append(vault.resolve(conn, [ALICE])[ALICE])

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 2 and got[0] == got[1]
    assert _count(engine, Subject) == 1  # the loser's fresh subject was dropped


def test_no_plaintext_identifier_in_the_store(engine: Engine, tmp_path: Path) -> None:
    vault = SubjectVault(MASTER)
    assert ALICE is not None
    with engine.begin() as conn:
        vault.person(conn, [ALICE, identity.email("alice@example.com")], "contact")
    if engine.dialect.name == "sqlite":
        raw = Path(engine.url.database or "").read_bytes()
        assert b"7946" not in raw and b"alice@" not in raw
