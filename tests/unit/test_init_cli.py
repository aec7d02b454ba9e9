"""`voco init`, config discovery and the one-line errors for bad set-ups."""

from __future__ import annotations

import os
import re
import shlex
import stat
from pathlib import Path

from click.testing import CliRunner

from cli.main import voco


def test_init_creates_config_key_and_migrated_db(run_cli, config_path: Path) -> None:
    result = run_cli("init")
    assert result.exit_code == 0, result.output
    data = config_path.parent / "data"
    key = data / "master.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(key.read_bytes()) == 32
    assert key.read_bytes().hex() not in result.output
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o600
    for name in ("ami.secret", "ari.secret"):  # the bridge's own Asterisk credentials
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600
        assert (data / name).read_text() not in config_path.read_text() + result.output
    current = run_cli("db", "current")
    lines = dict(line.split(":", 1) for line in current.output.splitlines() if ":" in line)
    assert lines["current"].strip() == lines["newest"].strip() != "base (empty)"
    assert "run 'voco db upgrade'" not in current.output


def test_init_twice_refuses_and_changes_nothing(run_cli, config_path: Path) -> None:
    assert run_cli("init").exit_code == 0
    key = config_path.parent / "data" / "master.key"
    before = (config_path.read_bytes(), key.read_bytes())
    again = run_cli("init")
    assert again.exit_code == 1
    assert "already exists; nothing changed" in again.output
    assert "Traceback" not in again.output
    assert (config_path.read_bytes(), key.read_bytes()) == before


def test_config_from_environment_variable(tmp_path: Path) -> None:
    cfg = tmp_path / "env" / "voco.toml"
    runner = CliRunner(env={"VOCO_CONFIG": str(cfg)})
    assert runner.invoke(voco, ["init"]).exit_code == 0
    assert cfg.is_file()
    assert runner.invoke(voco, ["db", "current"]).exit_code == 0


def test_missing_config_is_one_actionable_line(tmp_path: Path) -> None:
    """The command the error suggests is one that exists: run it verbatim, and it works."""
    cfg = tmp_path / "a dir" / "voco.toml"  # a space: the suggestion must be shell-quoted
    runner = CliRunner()
    result = runner.invoke(voco, ["--config", str(cfg), "oplog", "list"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    suggested = re.search(r"not found: run (voco .+) to create it", lines[0])
    assert suggested, lines[0]
    prog, *args = shlex.split(suggested[1])
    assert prog == "voco"
    created = runner.invoke(voco, args)
    assert created.exit_code == 0, created.output
    assert cfg.is_file()
    assert runner.invoke(voco, ["--config", str(cfg), "oplog", "list"]).exit_code == 0


def test_unreadable_and_invalid_config(run_cli, config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text("data_dir = [unterminated\n")
    result = run_cli("oplog", "list")
    assert result.exit_code == 1 and "is not valid TOML" in result.output
    config_path.write_text('data_dir = "/x"\n')
    result = run_cli("oplog", "list")
    assert result.exit_code == 1 and "lacks the required key 'db_url'" in result.output


def test_unreadable_config_for_unprivileged_user(tmp_path: Path) -> None:
    cfg = tmp_path / "voco.toml"
    cfg.write_text('data_dir = "/x"\n')
    os.chmod(cfg, 0o000)
    pid = os.fork()
    if pid == 0:  # as "nobody", the file cannot be read
        os.setgid(65534)
        os.setuid(65534)
        result = CliRunner().invoke(voco, ["--config", str(cfg), "oplog", "list"])
        ok = result.exit_code == 1 and "is not readable by this user" in result.output
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_master_key_with_loose_permissions_is_refused(run_cli, config_path: Path) -> None:
    assert run_cli("init").exit_code == 0
    key = config_path.parent / "data" / "master.key"
    os.chmod(key, 0o644)
    result = run_cli("oplog", "verify")
    assert result.exit_code == 1
    assert "loose permissions 0644" in result.output and "chmod 600" in result.output
    assert "Traceback" not in result.output


def test_failed_command_is_logged_as_failed(run_cli) -> None:
    assert run_cli("init").exit_code == 0
    bad = run_cli("db", "upgrade", "no_such_revision")
    assert bad.exit_code != 0
    listing = run_cli("oplog", "list", "--result", "error")
    assert "db upgrade" in listing.output
