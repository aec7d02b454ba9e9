"""The disclosure register: entries about a person with recipient, basis, items and notice;
bad input refused and changing nothing; entries outlive the person's erasure. Run on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from asterisk_bridge.errors import ExitCode
from tests.conftest import CliCall
from tests.unit.cli_support import ok
from tests.unit.subject_support import ALICE, REC_A, Store, build, in_clear, oplog_text


@pytest.fixture
def store(db_url: str, config_path: Path, tmp_path: Path, ram_spool: Path,
          run_cli: CliCall) -> Store:
    return build(db_url, config_path, tmp_path, ram_spool, run_cli)


def entries(store: Store) -> list[dict[str, Any]]:
    return list(json.loads(ok(store.cli, "disclosure", "list", "--json")))


def test_entries_record_who_got_what_and_whether_the_person_was_told(store: Store) -> None:
    ok(store.cli, "disclosure", "add", "--subject", "+44 20 7946 0000", "--recipient",
       "Metropolitan Police (DC 4711)", "--basis", "production order 2026/118",
       "--items", f"cdr, recordings:{REC_A}", "--notice-sent", "2026-02-01")
    ok(store.cli, "disclosure", "add", "--extension", "1001", "--recipient", "HMRC",
       "--basis", "statutory request", "--items", "calls", "--notice-withheld",
       "tipping-off prohibited by the order")
    first, second = entries(store)
    assert (first["identifier"], first["items"], first["notice"], first["notice_sent_on"]) == (
        f"phone:{ALICE}", ["cdr", f"recordings:{REC_A}"], "sent", "2026-02-01")
    assert (second["identifier"], second["notice"], second["notice_withheld_reason"]) == (
        "extension:1001", "withheld", "tipping-off prohibited by the order")
    shown = json.loads(ok(store.cli, "disclosure", "show", "1", "--json"))
    assert "disclosed to Metropolitan Police (DC 4711)" in shown["notice_text"]
    assert "notice_text" not in json.loads(ok(store.cli, "disclosure", "show", "2", "--json"))
    text = ok(store.cli, "disclosure", "list")
    assert text.splitlines()[0].split() == ["ID", "DATE", "ABOUT", "RECIPIENT", "NOTICE",
                                            "ITEMS"]
    assert in_clear(oplog_text(store.app)) == []


@pytest.mark.parametrize(("args", "code", "says"), [
    (("--items", "cdr"), ExitCode.BAD_INPUT, "exactly one of --notice-sent"),
    (("--items", "cdr", "--notice-sent", "2026-01-01", "--notice-withheld", "x"),
     ExitCode.BAD_INPUT, "exactly one of --notice-sent"),
    (("--items", "cdr", "--notice-sent", "2999-01-01"), ExitCode.BAD_INPUT, "in the future"),
    (("--items", "cdr", "--notice-sent", "tomorrow"), ExitCode.BAD_INPUT, "is not a date"),
    (("--items", "the whole file", "--notice-sent", "2026-01-01"), ExitCode.BAD_INPUT,
     "is not CATEGORY or CATEGORY:ID"),
    (("--items", "faxes", "--notice-sent", "2026-01-01"), ExitCode.BAD_INPUT,
     "is not CATEGORY"),
    (("--items", " , ", "--notice-sent", "2026-01-01"), ExitCode.BAD_INPUT, "name what"),
])
def test_bad_entries_change_nothing(store: Store, args: tuple[str, ...], code: ExitCode,
                                    says: str) -> None:
    result = store.cli("disclosure", "add", "--subject", ALICE, "--recipient", "r", "--basis",
                       "b", *args)
    assert result.exit_code == code and says in result.output, result.output
    assert entries(store) == []


def test_a_disclosure_needs_someone_held_about(store: Store) -> None:
    result = store.cli("disclosure", "add", "--subject", "+49 30 1234567", "--recipient", "r",
                       "--basis", "b", "--items", "cdr", "--notice-sent", "2026-01-01")
    assert result.exit_code == ExitCode.NOT_FOUND and "no subject is known" in result.output
    assert store.cli("disclosure", "show", "3").exit_code == ExitCode.NOT_FOUND


def test_entries_outlive_the_persons_erasure(store: Store) -> None:
    ok(store.cli, "disclosure", "add", "--subject", ALICE, "--recipient", "Court",
       "--basis", "order 5", "--items", "recordings", "--notice-sent", "2026-02-01")
    ok(store.cli, "subject", "erase", ALICE, "--reason", "her request", "--yes")
    [entry] = entries(store)
    assert entry["identifier"].startswith("(subject erased 20")
    assert (entry["recipient"], entry["basis"], entry["items"]) == ("Court", "order 5",
                                                                   ["recordings"])
    assert entry["subject"]  # still pointing at the subject's tombstone
