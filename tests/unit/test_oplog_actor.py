"""The operation log's actor is the process's real user, whatever the environment claims."""

from __future__ import annotations

import json
import os
import pwd

import pytest

from tests.conftest import CliCall

REAL = pwd.getpwuid(os.getuid()).pw_name


def _actors(run_cli: CliCall, *filters: str) -> list[str]:
    out = run_cli("oplog", "list", "--json", *filters).output
    return [e["actor"] for e in json.loads(out)]


def test_user_and_logname_cannot_name_someone_else(run_cli: CliCall,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "mallory")
    monkeypatch.setenv("LOGNAME", "mallory")
    monkeypatch.delenv("SUDO_USER", raising=False)
    assert run_cli("init").exit_code == 0
    assert run_cli("db", "upgrade").exit_code == 0
    assert _actors(run_cli) == [REAL, REAL]
    assert _actors(run_cli, "--actor", "mallory") == []


def test_sudo_user_is_kept_as_extra_information(run_cli: CliCall,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "mallory")
    monkeypatch.setenv("SUDO_USER", "alice\nforged line")
    assert run_cli("init").exit_code == 0
    actor = f"{REAL} (via sudo: aliceforged line)"
    assert _actors(run_cli) == [actor]
    assert _actors(run_cli, "--actor", REAL) == [actor]
