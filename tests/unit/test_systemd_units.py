"""The systemd units 'voco systemd install' writes: systemd itself accepts them, and they carry
the sandboxing a careful admin expects."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from asterisk_bridge.config import write_config
from asterisk_bridge.context import App
from asterisk_bridge.deploy.systemd import escape_path
from tests.conftest import CliCall


def test_escape_matches_systemd() -> None:
    for path in ("/var/spool/asterisk/monitor", "/srv/voco/a-b/spool/monitor", "/x/.hidden"):
        if shutil.which("systemd-escape"):
            want = subprocess.run(["systemd-escape", "--path", path], capture_output=True,
                                  text=True, check=True).stdout.strip()
            assert escape_path(Path(path)) == want


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="needs systemd-analyze")
def test_units_verify_and_are_sandboxed(app: App, run_cli: CliCall, tmp_path: Path) -> None:
    write_config(dataclasses.replace(app.config, asterisk=dataclasses.replace(
        app.config.asterisk, ast_spool_dir="/var/spool/asterisk")))
    units = tmp_path / "units"
    result = run_cli("systemd", "install", "--unit-dir", str(units), "--api")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in units.iterdir())
    assert names == ["var-spool-asterisk-monitor.mount", "voco-api.service",
                     "voco-bridge.service", "voco-tls-renew.service", "voco-tls-renew.timer"]
    verify = subprocess.run(["systemd-analyze", "verify", *(str(units / n) for n in names)],
                            capture_output=True, text=True, timeout=120)
    problems = [line for line in (verify.stdout + verify.stderr).splitlines()
                if str(units) in line or "error" in line.lower()]
    assert verify.returncode == 0 and problems == [], verify.stdout + verify.stderr

    bridge = (units / "voco-bridge.service").read_text()
    for line in ("User=voco", "ProtectSystem=strict", "PrivateTmp=yes", "NoNewPrivileges=yes",
                 f"ReadWritePaths={app.config.data_dir}", "MemoryMax=512M",
                 "Restart=on-failure", "Requires=var-spool-asterisk-monitor.mount",
                 f"Environment=VOCO_CONFIG={app.config.path}"):
        assert f"\n{line}\n" in bridge, line
    writable = [line for line in bridge.splitlines() if line.startswith("ReadWritePaths=")]
    assert writable == [f"ReadWritePaths={app.config.data_dir}",
                        "ReadWritePaths=/var/spool/asterisk/monitor"]
    mount = (units / "var-spool-asterisk-monitor.mount").read_text()
    assert "What=tmpfs\nWhere=/var/spool/asterisk/monitor\nType=tmpfs" in mount
