"""The wheel carries the templates and migrations, so `voco` works from any directory."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_wheel_ships_templates_and_migrations_and_runs_init(tmp_path: Path) -> None:
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                            "--no-build-isolation", "-q", "-w", str(tmp_path), str(REPO)],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    wheel = next(tmp_path.glob("voco-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "asterisk_bridge/dialplan_templates/extensions.conf.j2" in names
    assert "asterisk_bridge/migrations/env.py" in names
    assert any(n.startswith("asterisk_bridge/migrations/versions/0001_") for n in names)
    assert "cli/main.py" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "import cli.main, asterisk_bridge; "
            "assert asterisk_bridge.__file__.startswith(sys.argv[1]); "
            "sys.argv = ['voco', '--config', 'voco.toml', 'init']; cli.main.main()")
    # -I: isolated mode, so the checkout is not importable; only the unpacked wheel is.
    run = subprocess.run([sys.executable, "-I", "-c", code, str(site)], cwd=elsewhere,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "migrated to the newest schema" in run.stdout
