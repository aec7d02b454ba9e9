"""``voco apply`` on a real Asterisk: diff, atomic write, checked reload, and rollback.

A template is broken by pointing the renderer at an override directory; Asterisk-rejected files
are produced the same way (an unclosed ``[context``, an unterminated ``;--`` comment).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import jinja2
import pytest

from asterisk_bridge import oplog
from asterisk_bridge.context import App
from asterisk_bridge.generator import render
from asterisk_bridge.generator.pbx import PBX_FILES
from asterisk_bridge.resources import templates_dir
from asterisk_bridge.sandbox.instance import Instance
from tests.conftest import CliCall
from tests.integration.provision_support import attach, ok

pytestmark = pytest.mark.asterisk

Override = Callable[[str, Callable[[str], str]], None]


@pytest.fixture
def override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Override:
    """Replace one template by a transformed copy (the rest stay the packaged ones)."""
    directory = tmp_path / "templates"
    directory.mkdir()

    def apply(name: str, transform: Callable[[str], str]) -> None:
        original = (templates_dir() / name).read_text()
        (directory / name).write_text(transform(original))
        env = render._environment()
        env.loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(directory)),
                                          jinja2.FileSystemLoader(str(templates_dir()))])
        monkeypatch.setattr(render, "_ENV", env)

    return apply


@pytest.fixture
def voco(app: App, config_path: Path, asterisk: Instance, run_cli: CliCall) -> CliCall:
    attach(config_path, asterisk)
    ok(run_cli("extension", "add", "1001", "--name", "Alice"))
    return run_cli


def _files(inst: Instance) -> dict[str, bytes]:
    return {name: (inst.etc_dir / name).read_bytes() for name in PBX_FILES}


def _live_sentinel(inst: Instance) -> str:
    shown = inst.rx("dialplan show voco-sentinel")
    found = [w.strip("'") for w in shown.split() if w.strip("'").startswith("voco-sentinel-")]
    assert len(found) == 1, shown
    return found[0]


def _apply_entries(app: App) -> list[oplog.OplogEntry]:
    return [e for e in oplog.entries(app.engine, oplog.Filters(command="apply"))]


def test_dry_run_then_apply_logs_the_diff_hash_and_keeps_a_backup(
        voco: CliCall, app: App, asterisk: Instance) -> None:
    before = _files(asterisk)
    dry = json.loads(ok(voco("apply", "--dry-run", "--json")).output)
    assert _files(asterisk) == before  # a dry run touches nothing
    assert "extensions.conf" in dry["changed"] and "pjsip.conf" in dry["changed"]
    assert "+exten => 1001,1,Gosub(voco-dial,s,1(PJSIP/1001," in dry["diff"]
    assert "<secret:" in dry["diff"]  # the SIP password is masked in what is shown and hashed

    out = json.loads(ok(voco("apply", "--json")).output)
    assert out["applied"] and out["diff_sha256"] == dry["diff_sha256"]
    assert _live_sentinel(asterisk) == out["sentinel"] == dry["sentinel"]
    assert "1001" in asterisk.rx("pjsip show endpoints")
    backup = Path(out["backup"])
    # The backup is the file Asterisk ran, with the dialplan's event secret masked.
    kept = (backup / "extensions.conf").read_text()
    event_secret = re.compile(r"^VOCO_EVENT_SECRET=.*$", re.MULTILINE)
    assert "VOCO_EVENT_SECRET=<secret:" in kept
    assert event_secret.sub("", kept) == event_secret.sub("", before["extensions.conf"].decode())
    assert oct(backup.stat().st_mode & 0o777) == "0o700"

    entry = _apply_entries(app)[-1]
    assert entry.result == "ok"
    assert json.loads(entry.args)["diff_sha256"] == dry["diff_sha256"]

    again = ok(voco("apply")).output
    assert "nothing to change" in again and out["sentinel"] in again


def test_rejected_dialplan_leaves_the_previous_configuration_live(
        voco: CliCall, app: App, asterisk: Instance, override: Override) -> None:
    ok(voco("apply"))
    good = _files(asterisk)
    sentinel = _live_sentinel(asterisk)

    ok(voco("extension", "add", "1002", "--name", "Bob"))
    override("extensions.conf.j2", lambda t: t + "\n[broken\nexten => x,1,NoOp()\n")
    result = voco("apply")
    assert result.exit_code != 0
    assert "Asterisk refused to reload pbx_config" in result.output
    assert "previous files were restored and are live again" in result.output

    assert _files(asterisk) == good  # byte for byte
    assert _live_sentinel(asterisk) == sentinel
    assert "1002" not in asterisk.rx("dialplan show voco-ext")
    assert "1002" not in asterisk.rx("pjsip show endpoints")  # pjsip was never reloaded
    assert _apply_entries(app)[-1].result == "error"


def test_truncated_dialplan_is_caught_by_the_sentinel(
        voco: CliCall, asterisk: Instance, override: Override) -> None:
    ok(voco("apply"))
    good = _files(asterisk)
    sentinel = _live_sentinel(asterisk)

    ok(voco("extension", "add", "1002", "--name", "Bob"))
    # An unterminated block comment makes Asterisk drop the rest of the file, yet the reload
    # itself reports success (reference §6).
    override("extensions.conf.j2", lambda t: t.replace("[voco-sentinel]", ";--\n[voco-sentinel]"))
    result = voco("apply")
    assert result.exit_code != 0
    assert "sentinel extension" in result.output and "is missing" in result.output
    assert _files(asterisk) == good
    assert _live_sentinel(asterisk) == sentinel


def test_broken_template_writes_nothing(voco: CliCall, asterisk: Instance,
                                        override: Override) -> None:
    ok(voco("apply"))
    good = _files(asterisk)
    mtimes = {n: (asterisk.etc_dir / n).stat().st_mtime_ns for n in PBX_FILES}
    ok(voco("extension", "add", "1002", "--name", "Bob"))
    override("queues.conf.j2", lambda t: t + "{% for q in %}\n")
    result = voco("apply")
    assert result.exit_code != 0
    assert "rendering failed in queues.conf.j2" in result.output
    assert "nothing was written" in result.output
    assert _files(asterisk) == good
    assert {n: (asterisk.etc_dir / n).stat().st_mtime_ns for n in PBX_FILES} == mtimes


def test_logged_warning_about_a_changed_file_rolls_back(
        voco: CliCall, asterisk: Instance, override: Override) -> None:
    ok(voco("apply"))
    good = _files(asterisk)
    ok(voco("extension", "add", "1002", "--name", "Bob"))
    # A line without '=' loads "successfully" with only a WARNING in messages.log.
    override("voicemail.conf.j2", lambda t: t + "this line has no equal sign\n")
    result = voco("apply")
    assert result.exit_code != 0
    assert "Asterisk logged:" in result.output and "voicemail.conf" in result.output
    assert _files(asterisk) == good


def test_unreachable_asterisk_writes_nothing(voco: CliCall, asterisk: Instance) -> None:
    before = _files(asterisk)
    asterisk.stop()
    result = voco("apply")
    assert result.exit_code != 0 and "cannot reach AMI" in result.output
    assert _files(asterisk) == before
