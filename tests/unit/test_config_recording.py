"""The recording policy travels with `voco config export` / `import`, validated on the way in."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CliCall


def _ok(run_cli: CliCall, *args: str) -> str:
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    return result.output


def test_rules_and_settings_round_trip(run_cli: CliCall, config_path: Path,
                                       tmp_path: Path) -> None:
    _ok(run_cli, "init")
    _ok(run_cli, "recording-policy", "set", "trunk", "carrier", "yes", "--consent", "external")
    _ok(run_cli, "recording-policy", "set", "ext", "1001", "never", "--priority", "0")
    _ok(run_cli, "recording-policy", "defaults", "--timeout", "8")
    exported = tmp_path / "pbx.toml"
    _ok(run_cli, "config", "export", "--output", str(exported))
    text = exported.read_text()
    assert 'rule = "trunk:carrier"' in text and 'consent = "external"' in text
    before = _ok(run_cli, "recording-policy", "list")

    _ok(run_cli, "recording-policy", "clear", "trunk", "carrier")
    _ok(run_cli, "recording-policy", "set", "route", "intl", "force")
    plan = _ok(run_cli, "config", "import", str(exported), "--dry-run")
    assert "recording_rules: 1 to add, 0 to change, 1 to remove" in plan
    _ok(run_cli, "config", "import", str(exported))
    assert _ok(run_cli, "recording-policy", "list") == before
    assert "no changes" in _ok(run_cli, "config", "import", str(exported)).lower()


def test_an_injected_rule_is_refused_and_nothing_changes(run_cli: CliCall,
                                                         tmp_path: Path) -> None:
    _ok(run_cli, "init")
    bad = tmp_path / "bad.toml"
    bad.write_text('[voco]\nformat = 1\n\n[[recording_rules]]\nrule = "trunk:x;y"\n'
                   'mode = "yes"\npriority = 10\nconsent = ""\n')
    refused = run_cli("config", "import", str(bad))
    assert refused.exit_code != 0 and "forbidden character" in refused.output
    assert "trunk" not in _ok(run_cli, "recording-policy", "list")
