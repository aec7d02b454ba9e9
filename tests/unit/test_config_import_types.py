"""``voco config import`` refuses a value of the wrong TOML type in any field of any section with
one line naming the file, the record and the field, and changes nothing (no traceback, and no
text silently taken as a list of characters)."""

from __future__ import annotations

import datetime
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from asterisk_bridge.configio.kinds import Kind
from asterisk_bridge.configio.registry import SECTIONS
from tests.conftest import CliCall
from tests.unit.cli_support import ok, provision

#: Values of every TOML type but the field's own (a table and a date too, for the text fields).
WRONG: dict[Kind, list[Any]] = {
    Kind.TEXT: [1001, 2.5, True, ["1001"], {"a": "b"}, datetime.date(2026, 1, 1)],
    Kind.INTEGER: ["5", 2.5, True, [5]],
    Kind.BOOLEAN: ["true", 1, ["true"]],
    Kind.TEXT_LIST: ["1001", 1001, [1001], ["1001", True], {"a": "b"}],
}


@pytest.fixture
def exported(run_cli: CliCall, tmp_path: Path) -> str:
    ok(run_cli, "init")
    provision(run_cli, tmp_path)
    return ok(run_cli, "config", "export")


def test_every_field_of_every_section_refuses_every_wrong_type(
        run_cli: CliCall, exported: str, tmp_path: Path) -> None:
    doc = tomllib.loads(exported)
    bad = tmp_path / "bad.toml"
    tried = set()
    for section in SECTIONS:
        assert doc.get(section.name), f"the fixture provisions no {section.name}: add one"
        for field, kind in section.fields.items():
            for wrong in WRONG[kind]:
                record = {**doc[section.name][0], field: wrong}
                bad.write_text(tomli_w.dumps({**doc, section.name: [record]}))
                result = run_cli("config", "import", str(bad))
                assert result.exit_code == 2, (section.name, field, wrong, result.output)
                lines = result.output.strip().splitlines()
                assert len(lines) == 1, result.output
                assert lines[0].startswith(f"Error: {bad}: {section.name}[1]"), lines[0]
                assert f": {field}: expected {kind.value}, got " in lines[0], lines[0]
                if field in section.secret_fields:
                    assert str(wrong) not in lines[0].split("got ", 1)[1], lines[0]
                tried.add(kind)
    assert tried == set(Kind)
    assert ok(run_cli, "config", "export") == exported  # nothing changed


def test_the_reported_cases(run_cli: CliCall, exported: str, tmp_path: Path) -> None:
    bad = tmp_path / "pbx.toml"
    bad.write_text(exported.replace('number = "1001"', "number = 1001", 1))
    result = run_cli("config", "import", str(bad))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output == (f"Error: {bad}: extensions[1]: number: expected text in double "
                             'quotes (e.g. "1001"), got the whole number 1001\n')
    doc = tomllib.loads(exported)
    doc["queues"][0]["members"] = "1001"
    bad.write_text(tomli_w.dumps(doc))
    result = run_cli("config", "import", "--dry-run", str(bad))
    assert result.exit_code == 2
    assert "queues[1] (support): members: expected a list of texts" in result.output
    assert ok(run_cli, "config", "export") == exported


def test_secret_values_are_never_echoed(run_cli: CliCall, exported: str, tmp_path: Path) -> None:
    bad = tmp_path / "pbx.toml"
    bad.write_text(exported.replace('pin = "withheld"', "pin = 98765", 1))
    result = run_cli("config", "import", str(bad))
    assert result.exit_code == 2 and "pin: expected text" in result.output
    assert "98765" not in result.output


def test_file_level_types(run_cli: CliCall, exported: str, tmp_path: Path) -> None:
    bad = tmp_path / "pbx.toml"
    for edit, message in (
            ({"voco": {"format": 1, "secrets": "no"}}, "voco: secrets: expected true or false"),
            ({"queues": "support"}, "queues: expected an array of tables")):
        bad.write_text(tomli_w.dumps({**tomllib.loads(exported), **edit}))
        result = run_cli("config", "import", str(bad))
        assert result.exit_code == 2 and f"{bad}: {message}" in result.output, result.output
    bad.write_bytes(b"\xff\xfe\x00")
    result = run_cli("config", "import", str(bad))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{bad}: neither UTF-8 text nor an age-encrypted file" in result.output
    assert ok(run_cli, "config", "export") == exported
