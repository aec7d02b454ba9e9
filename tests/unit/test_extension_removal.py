"""An extension cannot be removed from under its directory grant or its personal contacts."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CliCall


def _ok(run_cli: CliCall, *args: str, input: str | None = None) -> str:
    result = run_cli(*args, input=input)
    assert result.exit_code == 0, result.output
    return result.output


def test_remove_is_refused_while_contacts_depend_on_the_extension(run_cli: CliCall,
                                                                  tmp_path: Path) -> None:
    _ok(run_cli, "init")
    _ok(run_cli, "extension", "add", "1001", "--name", "Alice")
    _ok(run_cli, "contact", "grant", "1001", "view")
    passphrase_file = tmp_path / "p"
    passphrase_file.write_text("alice's own passphrase")
    _ok(run_cli, "contact", "personal", "add", "--extension", "1001", "--passphrase-file",
        str(passphrase_file), "--number", "5550123", "Mum")

    refused = run_cli("extension", "remove", "1001")
    assert refused.exit_code != 0
    assert "contact grant (view" in refused.output and "1 personal contact(s)" in refused.output
    assert "1001" in _ok(run_cli, "extension", "list")

    _ok(run_cli, "contact", "revoke", "1001")
    _ok(run_cli, "contact", "personal", "purge", "1001", input="y\n")
    _ok(run_cli, "extension", "remove", "1001")
    assert "1001" not in _ok(run_cli, "extension", "list")
