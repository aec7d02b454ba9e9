"""The bridge core against a real sandbox Asterisk: events, restarts, killed links, startup
errors, clean shutdown. Times measured here are printed (run with -s), never asserted."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from asterisk_bridge.bridge import gaps
from asterisk_bridge.bridge.ami import AmiAuthError
from asterisk_bridge.bridge.capability import BridgeHandle, Event, Gap
from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.bridge.status import read_status
from asterisk_bridge.config import AsteriskSettings, write_config
from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.sandbox.ports import free_tcp_port
from asterisk_bridge.store.models import ConnectionGap
from asterisk_bridge.store.models.bridge import BridgeHeartbeat

pytestmark = pytest.mark.asterisk
VOCO = [str(Path(sys.executable).with_name("voco"))]
DEADLINE_S = 60.0
STASIS_DIALPLAN = """[voco-test]
exten => stasis,1,Answer()
 same => n,Stasis(voco)
 same => n,Hangup()
"""


class Recorder:
    """A capability that keeps every event it is given and every on_connected call."""

    name = "recorder"

    def __init__(self) -> None:
        self.ami: list[Event] = []
        self.ari: list[Event] = []
        self.connected: list[tuple[str, Gap | None]] = []
        self.closed = False

    def register(self, bridge: BridgeHandle) -> None:
        bridge.on_ami("Newchannel", self._ami)
        bridge.on_ami("Hangup", self._ami)
        bridge.on_ari("*", self._ari)

    async def _ami(self, event: Event) -> None:
        self.ami.append(event)

    async def _ari(self, event: Event) -> None:
        self.ari.append(event)

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        self.connected.append((link, gap))

    async def close(self) -> None:
        self.closed = True

    def channels(self, event_name: str, since: int = 0) -> set[str]:
        return {e["Channel"] for e in self.ami[since:] if e["Event"] == event_name}


async def until(cond: Callable[[], bool], what: str, timeout: float = DEADLINE_S) -> float:
    """Poll ``cond``; return the seconds it took, fail naming ``what`` at the deadline."""
    start = time.monotonic()
    while not cond():
        if time.monotonic() - start > timeout:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
    return time.monotonic() - start


async def originate(bridge: Bridge, channel: str, exten: str = "alice-n-1-2") -> Any:
    return await bridge.ami_action({
        "Action": "Originate", "Channel": channel, "Context": "phone", "Exten": exten,
        "Priority": "1", "Async": "true"}, timeout=30)


def _failed_logins(log: Path) -> int:
    """AMI logins as 'voco' refused, as Asterisk's quiet log records them: security events
    (voco's logger.conf keeps errors, warnings and security events only)."""
    return sum(1 for line in log.read_text(errors="replace").splitlines()
               if 'SecurityEvent="InvalidPassword"' in line and 'AccountID="voco"' in line)


def gap_rows(app: App, link: str) -> list[ConnectionGap]:
    with app.engine.connect() as conn:
        return list(conn.execute(select(ConnectionGap).where(ConnectionGap.link == link)).all())


@pytest.fixture
def bridge_app(app: App, asterisk: Instance) -> App:
    """A Voco installation whose config points at the sandbox instance."""
    app.config.asterisk = asterisk.settings()
    write_config(app.config)
    return app


def run(coro: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(coro())


# --- in-process ----------------------------------------------------------------------------

def test_originated_call_events_reach_handlers(bridge_app: App) -> None:
    rec = Recorder()

    async def main() -> None:
        async with Bridge(bridge_app, [rec]) as bridge:
            assert bridge.status.links["ami"].state == "connected"
            assert bridge.status.links["ari"].state == "connected"
            await originate(bridge, "Local/talk-3@sandbox-calls/n", "alice-n-1-4")
            await until(lambda: len(rec.channels("Hangup")) >= 4, "4 Hangup events")
        assert rec.closed

    run(main)
    assert {"Local/talk-3@sandbox-calls-00000000;1", "Local/talk-3@sandbox-calls-00000000;2",
            "Local/bob-n-1-3@phone-00000001;1"} <= rec.channels("Newchannel")
    assert rec.channels("Newchannel") == rec.channels("Hangup")
    # The very first start of a node has no gap to report, for either link.
    assert sorted(rec.connected, key=lambda c: c[0]) == [("ami", None), ("ari", None)]


def test_restart_of_the_bridge_records_the_gap_since_its_last_sign_of_life(
        bridge_app: App) -> None:
    first, second = Recorder(), Recorder()

    async def main() -> None:
        async with Bridge(bridge_app, [first]):
            pass
        stopped = time.time()
        async with Bridge(bridge_app, [second]):
            await until(lambda: len(second.connected) == 2, "on_connected for both links")
        for link, gap in second.connected:
            assert gap is not None and gap.link == link
            assert gap.start.timestamp() <= stopped <= gap.end.timestamp()

    run(main)
    for link in ("ami", "ari"):
        rows = gap_rows(bridge_app, link)
        assert len(rows) == 1 and rows[0].gap_from < rows[0].gap_to
        assert rows[0].reason.startswith("bridge start")


def test_survives_core_restart(bridge_app: App, asterisk: Instance) -> None:
    rec = Recorder()

    async def main() -> None:
        async with Bridge(bridge_app, [rec]) as bridge:
            await originate(bridge, "Local/talk-1@sandbox-calls/n")
            await until(lambda: len(rec.channels("Hangup")) >= 4, "Hangups before the restart")
            links = bridge.status.links
            t0 = time.monotonic()
            await asyncio.to_thread(asterisk.rx, "core restart now")
            await until(lambda: links["ami"].connects >= 2, "AMI reconnect")
            ami_s = time.monotonic() - t0
            await until(lambda: links["ari"].connects >= 2, "ARI reconnect")
            ari_s = time.monotonic() - t0
            print(f"\nreconnect after 'core restart now': AMI {ami_s:.2f} s, ARI {ari_s:.2f} s")
            await asyncio.to_thread(asterisk.wait_booted)
            mark = len(rec.ami)
            await originate(bridge, "Local/talk-1@sandbox-calls/n")
            await until(lambda: len(rec.channels("Hangup", mark)) >= 4, "Hangups after restart")
            assert len(rec.channels("Newchannel", mark)) == 4
            seen = {link: gap for link, gap in rec.connected if gap is not None}
            assert set(seen) == {"ami", "ari"}
            assert all(g.start < g.end for g in seen.values())

    run(main)
    for link in ("ami", "ari"):
        rows = gap_rows(bridge_app, link)
        assert len(rows) == 1, link
        assert rows[0].gap_from < rows[0].gap_to and rows[0].node == "node1"
        assert rows[0].reason.startswith(f"{link} connection lost")


def test_killed_ari_websocket_reconnects_and_stasis_works_again(
        bridge_app: App, asterisk: Instance) -> None:
    asterisk.write_files({"extensions_test.conf": STASIS_DIALPLAN})
    asterisk.rx("dialplan reload")
    rec = Recorder()
    port = asterisk.info().http_port

    def started(since: int) -> list[Event]:
        return [e for e in rec.ari[since:] if e["type"] == "StasisStart"]

    async def main() -> None:
        async with Bridge(bridge_app, [rec]) as bridge:
            t0 = time.monotonic()
            kill = subprocess.run(["ss", "-K", "dst", "127.0.0.1", "dport", "=", str(port)],
                                  capture_output=True, text=True, check=False)
            assert "ESTAB" in kill.stdout, kill.stdout + kill.stderr  # a socket was destroyed
            await until(lambda: bridge.status.links["ari"].connects >= 2, "ARI reconnect")
            print(f"\nARI reconnect after a TCP kill: {time.monotonic() - t0:.2f} s")
            assert bridge.status.links["ami"].connects == 1
            mark = len(rec.ari)
            await originate(bridge, "Local/stasis@voco-test/n", "alice-n-1-30")
            await until(lambda: bool(started(mark)), "StasisStart after the reconnect")
            channel = started(mark)[0]["channel"]["id"]
            await bridge.ari_request("DELETE", f"/channels/{channel}")
            await until(lambda: any(e["type"] == "StasisEnd" for e in rec.ari[mark:]),
                        "StasisEnd after the hangup")

    run(main)
    rows = gap_rows(bridge_app, "ari")
    assert len(rows) == 1 and rows[0].gap_from < rows[0].gap_to
    assert gap_rows(bridge_app, "ami") == []


# --- the `voco bridge run` process -------------------------------------------------------

def _bridge_process(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([*VOCO, "--config", str(config), "bridge", "run"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=Path(__file__).parents[2])


def _voco(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*VOCO, "--config", str(config), *args], capture_output=True,
                          text=True, timeout=DEADLINE_S, cwd=Path(__file__).parents[2])


def test_wrong_ami_secret_stops_with_one_line_and_no_retry(
        bridge_app: App, asterisk: Instance, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.secret"
    wrong.write_text("not-the-secret")
    bridge_app.config.asterisk.ami_secret_file = str(wrong)
    write_config(bridge_app.config)
    proc = _bridge_process(bridge_app.config.path)
    _, err = proc.communicate(timeout=DEADLINE_S)
    assert proc.returncode != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "AMI refused login for user 'voco'" in lines[0]
    assert "wrong secret, or this host is not permitted" in lines[0]
    assert "not-the-secret" not in err
    log = asterisk.log_dir / "messages.log"

    def attempts() -> int:
        return _failed_logins(log)

    asyncio.run(until(lambda: attempts() >= 1, "Asterisk to log the failed login"))
    assert attempts() == 1


def test_unreachable_ami_is_one_actionable_line(app: App, tmp_path: Path) -> None:
    secret = tmp_path / "s.secret"
    secret.write_text("x")
    port = free_tcp_port()
    app.config.asterisk = AsteriskSettings(ami_port=port, ami_secret_file=str(secret),
                                           ari_secret_file=str(secret))
    write_config(app.config)
    result = _voco(app.config.path, "bridge", "run")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"Error: cannot reach AMI at 127.0.0.1:{port}: connection refused — is Asterisk "
        "running and manager.conf enabled?"]


def _wait_running(config: Path, proc: subprocess.Popen[str]) -> str:
    """Poll ``voco bridge status`` until both links are connected; return its output."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        status = _voco(config, "bridge", "status")
        if status.returncode == 0 and status.stdout.count(": connected since") == 2:
            return status.stdout
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, status.stdout + status.stderr
        time.sleep(0.2)


def test_sigterm_shuts_down_cleanly_and_status_reports_links(bridge_app: App) -> None:
    config = bridge_app.config.path
    proc = _bridge_process(config)
    try:
        status = _wait_running(config, proc)
        assert f"bridge running (pid {proc.pid}" in status
        assert "ami: connected" in status and "ari: connected" in status
        second = _voco(config, "bridge", "run")
        assert second.returncode != 0
        assert second.stderr.startswith("Error: another bridge is already running")
        os.kill(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=DEADLINE_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert '"event": "bridge.stopped"' in err and "Traceback" not in err
    assert read_status(bridge_app.config.status_file).state == "stopped"
    after = _voco(config, "bridge", "status")
    assert after.returncode == 3
    assert after.stdout.startswith("bridge stopped")


def _heartbeats(app: App) -> dict[str, str]:
    with app.engine.connect() as conn:
        rows = conn.execute(select(BridgeHeartbeat.link, BridgeHeartbeat.last_seen)).all()
    return dict(rows)  # type: ignore[arg-type]


def test_after_sigkill_the_next_start_records_the_gap_since_the_heartbeat(
        bridge_app: App) -> None:
    config = bridge_app.config.path
    proc = _bridge_process(config)
    try:
        _wait_running(config, proc)
        first = _heartbeats(bridge_app)
        asyncio.run(until(lambda: all(_heartbeats(bridge_app)[k] > first[k] for k in first),
                          "the periodic heartbeat to advance"))
    finally:
        proc.kill()
        proc.communicate()
    last = _heartbeats(bridge_app)
    status = _voco(config, "bridge", "status")
    assert status.returncode == 3
    assert f"pid {proc.pid} is gone" in status.stdout
    rec = Recorder()

    async def main() -> None:
        async with Bridge(bridge_app, [rec]):
            await until(lambda: len(rec.connected) == 2, "on_connected for both links")

    run(main)
    for link in ("ami", "ari"):
        rows = gap_rows(bridge_app, link)
        assert len(rows) == 1 and rows[0].reason.startswith("bridge start")
        assert rows[0].gap_from == last[link] < rows[0].gap_to
        gap = dict(rec.connected)[link]
        assert gap is not None and gaps.iso(gap.start) == last[link]


def test_a_refused_relogin_stops_the_bridge_instead_of_retrying(
        bridge_app: App, asterisk: Instance) -> None:
    info = asterisk.info()
    bridge = Bridge(bridge_app, [Recorder()])

    async def main() -> None:
        task = asyncio.create_task(bridge.run())
        await bridge.wait_connected("ami", DEADLINE_S)
        conf = asterisk.etc_dir / "manager.conf"
        conf.write_text(conf.read_text().replace(f"secret = {info.ami_secret}",
                                                 "secret = rotated-elsewhere"))
        await asyncio.to_thread(asterisk.rx, "manager reload")
        subprocess.run(["ss", "-K", "dst", "127.0.0.1", "dport", "=", str(info.ami_port)],
                       capture_output=True, check=False)
        with pytest.raises(AmiAuthError, match="AMI refused login for user 'voco'"):
            await asyncio.wait_for(task, DEADLINE_S)

    run(main)
    assert bridge.status.links["ami"].state == "down"
    assert read_status(bridge_app.config.status_file).state == "stopped"
    assert _failed_logins(asterisk.log_dir / "messages.log") == 1
