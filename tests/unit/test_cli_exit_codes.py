"""The exit-code table (``asterisk_bridge.errors.ExitCode``, documented in docs/cli.md) holds for
representative commands of every outcome: the same outcome gives the same code everywhere."""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path

import pytest

from asterisk_bridge.config import load_config, write_config
from asterisk_bridge.errors import ExitCode
from tests.conftest import CliCall

OWNER_SECRET = "owner-secret-1001"

CASES: list[tuple[ExitCode, tuple[str, ...]]] = [
    (ExitCode.OK, ("extension", "list")),
    (ExitCode.OK, ("extension", "show", "1001")),
    (ExitCode.FAILURE, ("init",)),  # exists already: refused
    (ExitCode.FAILURE, ("contact", "personal", "purge", "1001")),  # confirmation declined
    (ExitCode.BAD_INPUT, ("extension", "add")),  # click: missing argument
    (ExitCode.BAD_INPUT, ("extension", "list", "--no-such-option")),
    (ExitCode.BAD_INPUT, ("extension", "add", "10;01")),
    (ExitCode.BAD_INPUT, ("cdr", "list", "--since", "yesterday")),
    (ExitCode.BAD_INPUT, ("retention", "set", "cdr", "ten")),
    (ExitCode.NOT_RUNNING, ("bridge", "status")),
    (ExitCode.NOT_RUNNING, ("sandbox", "status", "--name", "never-started")),
    (ExitCode.NOT_RUNNING, ("live", "pause", "PJSIP/1001-00000001")),
    (ExitCode.NOT_RUNNING, ("apply",)),
    (ExitCode.NOT_FOUND, ("extension", "show", "1999")),
    (ExitCode.NOT_FOUND, ("extension", "remove", "1999")),
    (ExitCode.NOT_FOUND, ("trunk", "set", "nope", "--port", "5061")),
    (ExitCode.NOT_FOUND, ("route", "inbound", "show", "4930555000")),
    (ExitCode.NOT_FOUND, ("queue", "member", "add", "nope", "1001")),
    (ExitCode.NOT_FOUND, ("queue", "add", "sales", "--number", "600", "--member", "1999")),
    (ExitCode.NOT_FOUND, ("contact", "show", "Nobody")),
    (ExitCode.NOT_FOUND, ("contact", "revoke", "1001")),
    (ExitCode.NOT_FOUND, ("recording", "show", "no-such-recording")),
    (ExitCode.NOT_FOUND, ("recording-policy", "clear", "ext", "1001")),
    (ExitCode.NOT_FOUND, ("prompt", "remove", "nope")),
    (ExitCode.NOT_FOUND, ("prompt", "assign", "inbound", "announce", "nope")),
    (ExitCode.DENIED, ("contact", "personal", "list", "--extension", "1001",
                       "--passphrase-file", "{wrong}")),
    (ExitCode.HELD, ("subject", "erase", "+4930123", "--reason", "asked", "--yes")),
]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def installed(run_cli: CliCall, config_path: Path, tmp_path: Path) -> dict[str, str]:
    """One extension with a personal contact, a held person; AMI pointed at a port nobody
    listens on."""
    assert run_cli("init").exit_code == 0
    cfg = load_config(config_path)
    etc = tmp_path / "asterisk-etc"
    etc.mkdir()
    write_config(replace(cfg, asterisk=replace(cfg.asterisk, ami_port=_closed_port(),
                                               ast_etc_dir=str(etc))))
    assert run_cli("extension", "add", "1001").exit_code == 0
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("the owner's own long passphrase")
    assert run_cli("contact", "personal", "add", "--extension", "1001", "Bob", "--number",
                   "+4930123", "--passphrase-file", str(passphrase)).exit_code == 0
    assert run_cli("hold", "add", "--subject", "+4930123", "--reason", "case 9").exit_code == 0
    wrong = tmp_path / "wrong-passphrase"
    wrong.write_text("not the owner's passphrase")
    return {"wrong": str(wrong), "etc": str(etc)}


@pytest.mark.parametrize(("expected", "args"), CASES,
                         ids=[f"{code.name}:{' '.join(a)}" for code, a in CASES])
def test_exit_code(installed: dict[str, str], run_cli: CliCall, expected: ExitCode,
                   args: tuple[str, ...]) -> None:
    result = run_cli(*(a.format(**installed) for a in args), input="n\n")
    assert result.exit_code == expected, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    if expected not in (ExitCode.OK, ExitCode.NOT_RUNNING):
        assert "Error" in result.output or "Aborted" in result.output, result.output
    if args == ("apply",):
        assert not any(Path(installed["etc"]).iterdir())  # nothing written


def test_every_code_is_covered_and_documented() -> None:
    assert {code for code, _ in CASES} == set(ExitCode)
    from asterisk_bridge.services.clidocs import render
    from cli.main import voco

    text = render(voco)
    for code in ExitCode:
        assert f"| {code.value} ({code.name.lower().replace('_', ' ')}) |" in text
