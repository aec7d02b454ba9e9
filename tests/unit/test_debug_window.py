"""Debug windows without Asterisk: logger.conf quiet by default, the window's channel in RAM,
bad input refused before anything changes, expiry and retention."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyrage
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from asterisk_bridge.config import AsteriskSettings
from asterisk_bridge.context import App
from asterisk_bridge.debuglog import control, logcontext, retention, window
from asterisk_bridge.errors import ConfigError, NotFoundError, ValidationError
from asterisk_bridge.generator.pbx import PBX_FILES, node_context, render_pbx
from asterisk_bridge.provisioning import validate
from asterisk_bridge.store.models.debuglog import DebugWindow

RECIPIENT = str(pyrage.x25519.Identity.generate().to_public())


def _settings(tmp_path: Path) -> AsteriskSettings:
    secret = tmp_path / "ami.secret"
    secret.write_text("s3cret")
    (tmp_path / "ari.secret").write_text("s3cret")  # apply renders ari.conf's user too
    return AsteriskSettings(ami_secret_file=str(secret),
                            ari_secret_file=str(tmp_path / "ari.secret"),
                            ram_log_dir=str(tmp_path / "ram"),
                            ast_root=str(tmp_path), ast_spool_dir=str(tmp_path / "spool"))


def test_rendered_logger_conf_is_quiet(tmp_path: Path) -> None:
    assert "logger.conf" in PBX_FILES
    text = render_pbx(None, node_context(_settings(tmp_path), "s"))["logger.conf"]
    lines = [ln for ln in text.splitlines() if "=>" in ln]
    assert lines == ["console => error,warning,security",
                     "messages.log => error,warning,security"]


def test_window_adds_one_ram_channel(app: App, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    opened = window.open_window(app.engine, "node1", validate.log_levels("notice,verbose(5)"),
                                60, "tester")
    text = logcontext.logger_conf(settings, opened)
    assert f"/ram/voco-debug-{opened.id}.log => notice,verbose(5)" in text
    again = window.open_window(app.engine, "node1", "dtmf", 120, "tester")
    assert again.id == opened.id and again.expires_at > opened.expires_at  # extended
    assert window.live(app.engine, "node1") is not None


@pytest.mark.parametrize("levels", ["verbose(10)", "notice;debug", "debug(3)", "", "all",
                                    "notice\n[x]"])
def test_bad_levels_refused(levels: str) -> None:
    with pytest.raises(ValidationError):
        validate.log_levels(levels)


@pytest.mark.parametrize("value", ["2d", "0s", "25h", "-1m", "1h30m", "10"])
def test_bad_durations_refused(value: str) -> None:
    with pytest.raises(ValidationError):
        validate.duration(value, "for", control.MOST_S)


def test_on_refuses_a_disk_directory_and_changes_nothing(app: App, tmp_path: Path) -> None:
    (tmp_path / "ram").mkdir()
    disk = replace(app, config=replace(app.config, asterisk=_settings(tmp_path)))
    with pytest.raises(ConfigError, match="disk filesystem"):
        control.turn_on(disk, "10m", "notice", "tester")
    unset = replace(app, config=replace(app.config, asterisk=AsteriskSettings()))
    with pytest.raises(ConfigError, match="ram_log_dir"):
        control.turn_on(unset, "10m", "notice", "tester")
    with pytest.raises(ValidationError):
        control.turn_on(disk, "3d", "notice", "tester")
    assert window.current(app.engine, "node1") is None


def test_expired_window_is_not_rendered_and_export_refused(app: App) -> None:
    opened = window.open_window(app.engine, "node1", "notice", 60, "tester")
    past = window.iso(datetime.now(UTC) - timedelta(seconds=1))
    with Session(app.engine) as session, session.begin():
        session.execute(update(DebugWindow).values(expires_at=past))
    assert window.live(app.engine, "node1") is None
    assert window.current(app.engine, "node1").id == opened.id  # type: ignore[union-attr]
    with pytest.raises(NotFoundError):
        control.export(app, io.BytesIO(), [RECIPIENT])


def test_retention_forgets_ended_windows_only(app: App) -> None:
    ended = window.open_window(app.engine, "node1", "notice", 60, "tester")
    window.end(app.engine, ended.id, "tester", "voco debug off")
    still = window.open_window(app.engine, "node1", "notice", 60, "tester")
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=1)
    assert retention.purge(app, later, "test", "tester") == 1
    with Session(app.engine) as session:
        assert list(session.scalars(select(DebugWindow.id))) == [still.id]
