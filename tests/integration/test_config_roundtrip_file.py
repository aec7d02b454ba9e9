"""The configuration file itself: deterministic, age-compatible, strict about its shape."""

from __future__ import annotations

import subprocess
from pathlib import Path

from asterisk_bridge.context import App
from asterisk_bridge.provisioning import conferences, extensions
from tests.conftest import CliCall


def _provision(app: App) -> None:
    extensions.add(app.engine, app.master_key, extensions.Extension("1001", "Alice Example"))
    conferences.add(app.engine, app.master_key, conferences.Conference("standup", "3000"), "4711")


def test_passphrase_export_opens_with_the_age_tool(app: App, run_cli: CliCall,
                                                   tmp_path: Path) -> None:
    _provision(app)
    (tmp_path / "pass").write_text("correct horse battery staple\n")
    out = tmp_path / "state.age"
    result = run_cli("config", "export", "--include-secrets", "--passphrase-file",
                     str(tmp_path / "pass"), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o600
    # age reads the passphrase from the terminal only; script(1) gives it one.
    age = subprocess.run(
        ["script", "-qec", f"age -d {out}", "/dev/null"], input=b"correct horse battery staple\n",
        capture_output=True, timeout=60, check=False)
    assert b'pin = "4711"' in age.stdout, age.stdout + age.stderr

    wrong = tmp_path / "wrong"
    wrong.write_text("not it\n")
    result = run_cli("config", "import", str(out), "--passphrase-file", str(wrong))
    assert result.exit_code == 1 and "cannot decrypt the config file" in result.output
    result = run_cli("config", "import", str(out), "--passphrase-file", str(tmp_path / "pass"))
    assert result.exit_code == 0 and "no changes" in result.output, result.output


def test_export_is_deterministic_and_withheld_secrets_are_kept(app: App, run_cli: CliCall,
                                                               tmp_path: Path) -> None:
    _provision(app)
    first, second = run_cli("config", "export").output, run_cli("config", "export").output
    assert first == second and 'pin = "withheld"' in first
    plain = tmp_path / "plain.toml"
    plain.write_text(first)
    assert "no changes" in run_cli("config", "import", str(plain)).output
    assert conferences.pin(app.engine, app.master_key, "standup") == "4711"

    refused = run_cli("config", "export", "--include-secrets")
    assert refused.exit_code == 2 and "only exported encrypted" in refused.output


def test_file_shape_errors_change_nothing(app: App, run_cli: CliCall, tmp_path: Path) -> None:
    _provision(app)
    exported = run_cli("config", "export").output
    cases = {
        "unknown section(s) voicemails": exported + "\n[[voicemails]]\nbox = \"1\"\n",
        "not valid TOML": exported + "\n[[extensions]\n",
        "missing [voco] table": exported.replace("format = 1", "format = 7"),
        "extensions[1] (1001): extension: unknown field(s) shell": exported.replace(
            'number = "1001"', 'number = "1001"\nshell = "x"'),
        "extensions[2] (1001): number: '1001' is listed twice": exported.replace(
            "\n[[conferences]]",
            '\n[[extensions]]\nnumber = "1001"\nname = "Dup"\n\n[[conferences]]'),
    }
    for expected, text in cases.items():
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        result = run_cli("config", "import", str(bad))
        assert result.exit_code == 2 and expected in result.output, (expected, result.output)
    assert run_cli("config", "export").output == exported

    # A listed-but-empty section removes everything of that kind; a missing one is untouched.
    only_rooms = tmp_path / "rooms.toml"
    only_rooms.write_text('conferences = []\n[voco]\nformat = 1\nsecrets = false\n')
    result = run_cli("config", "import", str(only_rooms), "--dry-run")
    assert "conferences: 0 to add, 0 to change, 1 to remove" in result.output
    assert "extensions" not in result.output and "dry run: nothing changed" in result.output
    assert run_cli("config", "export").output == exported
    assert "- standup" in run_cli("config", "import", str(only_rooms)).output
    assert len(conferences.list_all(app.engine)) == 0
    assert len(extensions.list_all(app.engine, app.master_key)) == 1
    log = run_cli("oplog", "list").output
    assert "config import" in log and "config export" in log
