"""Capture plans without dumpcap running: the filter is only the PBX's own ports, limits are
enforced by dumpcap's own arguments, and bad input changes nothing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from asterisk_bridge.capture import control, plan
from asterisk_bridge.config import AsteriskSettings
from asterisk_bridge.context import App
from asterisk_bridge.errors import ConfigError, NotFoundError, ValidationError
from asterisk_bridge.store.models.capture import Capture

SETTINGS = AsteriskSettings(sip_port=15060, rtp_start=41000, rtp_end=41999,
                            capture_interface="lo")


def test_filters_and_argv() -> None:
    assert plan.bpf(SETTINGS, "sip") == "port 15060"
    assert plan.bpf(SETTINGS, "rtp") == "udp portrange 41000-41999"
    assert plan.bpf(SETTINGS, "all") == "port 15060 or udp portrange 41000-41999"
    argv = plan.dumpcap_argv(SETTINGS, "sip", 600, 100 * 1024**2, Path("/ram/c.pcap"))
    assert argv == ["dumpcap", "-q", "-P", "-i", "lo", "-f", "port 15060", "-a",
                    "duration:600", "-a", "filesize:102400", "-w", "/ram/c.pcap"]
    assert plan.max_bytes("512K") == 512 * 1024 and plan.max_bytes("1G") == 1024**3


@pytest.mark.parametrize("size", ["2G", "1K", "10 M", "-5M", "100MB;", "lots"])
def test_bad_sizes_refused(size: str) -> None:
    with pytest.raises(ValidationError, match="max-size"):
        plan.max_bytes(size)


@pytest.mark.parametrize("settings", [
    replace(SETTINGS, capture_interface="lo; rm -rf /"),
    replace(SETTINGS, capture_interface="a" * 16),
    replace(SETTINGS, rtp_start=42000, rtp_end=41000),
    replace(SETTINGS, sip_port=70000),
])
def test_bad_settings_refused(settings: AsteriskSettings) -> None:
    with pytest.raises(ValidationError):
        plan.dumpcap_argv(settings, "all", 60, 65536, Path("/ram/c.pcap"))


def test_bad_start_changes_nothing(app: App, tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    on_disk = replace(app, config=replace(app.config, asterisk=replace(
        SETTINGS, ram_log_dir=str(disk))))
    for args in (("5d", "sip", "10M"), ("10m", "everything", "10M"), ("10m", "sip", "5G")):
        with pytest.raises(ValidationError):
            control.start(on_disk, *args, actor="tester")
    with pytest.raises(ConfigError, match="disk filesystem"):
        control.start(on_disk, "10m", "sip", "10M", "tester")
    with Session(app.engine) as session:
        assert list(session.scalars(select(Capture))) == []


def test_unknown_and_running_captures(app: App) -> None:
    with pytest.raises(NotFoundError):
        control.get(app, "cap-nope")
    with Session(app.engine) as session, session.begin():
        session.add(Capture(id="cap-1", node="node1", scope="sip", bpf="port 5060",
                            started_at="2026-01-01T00:00:00+00:00", max_bytes=65536,
                            deadline_at="2026-01-01T00:01:00+00:00", started_by="t",
                            state="running"))
    with pytest.raises(control.CaptureError, match="still running"):
        control.delete(app, "cap-1", "done", "tester")
    with pytest.raises(NotFoundError, match="running: nothing to export"):
        list(control._plaintext(app, control.get(app, "cap-1")))
