"""Sandbox instances are real, isolated Asterisk 22 processes that start, coexist and stop."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

from asterisk_bridge.bridge.amiclient import ami_session
from asterisk_bridge.config import load_config
from asterisk_bridge.sandbox.instance import Instance


def _ami_version(inst: Instance) -> str:
    async def ask() -> str:
        async with ami_session(inst.settings()) as ami:
            return await ami.command("core show version")
    return asyncio.run(ask())


def test_two_instances_run_side_by_side(asterisk_root: Path) -> None:
    a = Instance(f"t{uuid.uuid4().hex[:10]}", asterisk_root)
    b = Instance(f"t{uuid.uuid4().hex[:10]}", asterisk_root)
    try:
        ia, ib = a.start(), b.start()
        assert len({ia.ami_port, ia.http_port, ib.ami_port, ib.http_port}) == 4
        assert "Asterisk 22." in _ami_version(a) and "Asterisk 22." in _ami_version(b)
        assert "System uptime" in a.rx("core show uptime")
        # each instance has its own RAM-backed recording spool
        assert os.path.ismount(a.spool_dir / "monitor") and os.path.ismount(b.spool_dir / "monitor")
        a.stop()
        assert not a.is_running() and b.is_running()
        assert "Asterisk 22." in _ami_version(b)
    finally:
        a.destroy()
        b.destroy()
    assert not a.base.exists() and not b.base.exists()


def test_only_listed_modules_and_loopback_only(asterisk: Instance) -> None:
    modules = asterisk.rx("module show like chan_")
    assert "chan_pjsip.so" in modules and "chan_iax2" not in modules
    conf = (asterisk.etc_dir / "manager.conf").read_text()
    assert "bindaddr = 127.0.0.1" in conf
    assert conf.index("deny = 0.0.0.0/0.0.0.0") < conf.index("permit = 127.0.0.1")
    info = asterisk.info()
    with open("/proc/net/tcp") as fh:
        listening = [line.split()[1] for line in fh if line.split()[3] == "0A"]
    ours = {f"{info.ami_port:04X}", f"{info.http_port:04X}"}
    for addr in listening:
        host, port = addr.split(":")
        if port in ours:
            assert host == "0100007F"  # 127.0.0.1


def test_cli_start_status_stop(run_cli, config_path: Path, asterisk_root: Path) -> None:
    assert run_cli("init").exit_code == 0
    name = f"t{uuid.uuid4().hex[:10]}"
    try:
        started = run_cli("sandbox", "start", "--name", name)
        assert started.exit_code == 0, started.output
        assert f"now points at sandbox '{name}'" in started.output
        status = run_cli("sandbox", "status", "--name", name)
        assert status.exit_code == 0 and "running" in status.output
        settings = load_config(config_path).asterisk
        assert settings.ami_port == Instance(name, asterisk_root).info().ami_port
        assert Path(settings.ami_secret_file).stat().st_mode & 0o077 == 0
    finally:
        stopped = run_cli("sandbox", "stop", "--name", name, "--destroy")
    assert stopped.exit_code == 0
    assert run_cli("sandbox", "status", "--name", name).exit_code == 3
