"""docs/cli.md is the CLI's own help text; it must not drift from the code."""

from pathlib import Path

from asterisk_bridge.services.clidocs import render
from cli.main import voco

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_cli_reference_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(voco), (
        "docs/cli.md is stale: run '.venv/bin/python -m asterisk_bridge.services.clidocs'")


def test_every_command_has_help() -> None:
    text = render(voco)
    assert "`voco init`" in text and "`voco oplog verify`" in text
