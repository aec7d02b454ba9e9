"""Every file Voco writes with personal data or secrets goes through the safe-write helper:
private under any umask, and a symlink an attacker planted is never followed."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from asterisk_bridge.bridge.status import BridgeStatus, write_status
from asterisk_bridge.context import App
from tests.conftest import CliCall


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    path = tmp_path / "victim"
    path.write_text("precious")
    return path


EXPORTS = {
    "config": ("config", "export", "-o"),
    "cdr": ("cdr", "export", "--output"),
}


@pytest.mark.parametrize("kind", list(EXPORTS))
def test_export_is_0600_under_umask_000(app: App, run_cli: CliCall, tmp_path: Path,
                                        umask_000: None, kind: str) -> None:
    out = tmp_path / f"{kind}.out"
    result = run_cli(*EXPORTS[kind], str(out))
    assert result.exit_code == 0, result.output
    assert _mode(out) == 0o600


@pytest.mark.parametrize("kind", list(EXPORTS))
def test_export_follows_no_planted_symlink(app: App, run_cli: CliCall, tmp_path: Path,
                                           victim: Path, kind: str) -> None:
    out = tmp_path / f"{kind}.out"
    for planted in (f".{out.name}.tmp", f"{out.name}.tmp"):  # the old predictable temp names
        (tmp_path / planted).symlink_to(victim)
    assert run_cli(*EXPORTS[kind], str(out)).exit_code == 0
    assert victim.read_text() == "precious" and not out.is_symlink()
    out.unlink()
    out.symlink_to(victim)
    refused = run_cli(*EXPORTS[kind], str(out))
    assert refused.exit_code == 1 and "is a symbolic link" in refused.output
    assert victim.read_text() == "precious"


def test_init_files_are_private_under_umask_000(run_cli: CliCall, config_path: Path,
                                                umask_000: None) -> None:
    assert run_cli("init").exit_code == 0
    data = config_path.parent / "data"
    for path in (config_path, data / "master.key", data / "ami.secret", data / "ari.secret",
                 data / "oplog-genesis.json"):
        assert _mode(path) == 0o600, path


def test_status_file_is_private(tmp_path: Path, umask_000: None) -> None:
    path = tmp_path / "bridge-status.json"
    write_status(path, BridgeStatus(pid=1, node="n", started=0.0))
    assert _mode(path) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["bridge-status.json"]
