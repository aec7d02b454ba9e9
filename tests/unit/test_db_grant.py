"""The database grant: SQLite refuses it clearly, names become safe role names, and the
pg_hba.conf block goes first and leaves the rest of the file as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from asterisk_bridge.context import App
from asterisk_bridge.dbgrant import hba, roles
from asterisk_bridge.errors import ExitCode, ValidationError
from tests.conftest import CliCall


def test_sqlite_refuses_with_a_clear_message(app: App, run_cli: CliCall) -> None:
    result = run_cli("db-grant", "add", "reports", "--party", "BI", "--permit", "192.0.2.10")
    assert result.exit_code == ExitCode.FAILURE
    assert "needs the PostgreSQL store" in result.output and "sqlite" in result.output
    assert "every door is closed" in run_cli("grants", "list").output


@pytest.mark.parametrize("name", ["Reports", "1st", "a-b", "x;DROP ROLE postgres", "a" * 32,
                                  "rep orts"])
def test_role_names_are_plain_identifiers(name: str) -> None:
    with pytest.raises(ValidationError, match=r"^name:"):
        roles.role_name(name)
    assert roles.role_name("reports_2") == "voco_grant_reports_2"


def test_the_hba_block_goes_first_and_comes_out_cleanly(tmp_path: Path) -> None:
    conf = tmp_path / "pg_hba.conf"
    original = "local all all trust\nhost all all 127.0.0.1/32 trust\n"
    conf.write_text(original)
    block = hba.lines("voco", "voco_grant_bi", ["192.0.2.10", "198.51.100.0/24"])
    hba.install(conf, block, "voco_grant_bi")
    hba.install(conf, block, "voco_grant_bi")  # idempotent
    lines = conf.read_text().splitlines()
    assert lines[:5] == [
        "# voco db-grant voco_grant_bi begin",
        "host    voco    voco_grant_bi    192.0.2.10/32    scram-sha-256",
        "host    voco    voco_grant_bi    198.51.100.0/24    scram-sha-256",
        "host    all    voco_grant_bi    all    reject",
        "# voco db-grant voco_grant_bi end"]
    assert lines[5:] == original.splitlines()
    hba.remove(conf, "voco_grant_bi")
    assert conf.read_text() == original


def test_the_personal_fields_offered_are_the_cdr_sealed_columns() -> None:
    from asterisk_bridge.cdr.sealing import SEALED
    from asterisk_bridge.dbgrant.choices import PERSONAL
    from asterisk_bridge.dbgrant.projection import check_personal

    assert sorted(PERSONAL) == sorted(SEALED)
    assert check_personal(["dst", "src", "dst"]) == ("src", "dst")  # the CDR's order, once
    with pytest.raises(ValidationError, match=r"^personal: uid is not"):
        check_personal(["src", "uid"])


def test_sqlite_has_no_projection_to_refresh(app: App, run_cli: CliCall) -> None:
    assert "every projection is up to date" in run_cli("db-grant", "refresh").output
    refused = run_cli("db-grant", "add", "r", "--party", "BI", "--permit", "192.0.2.10",
                      "--personal", "src")
    assert refused.exit_code == ExitCode.FAILURE and "needs the PostgreSQL store" in refused.output
