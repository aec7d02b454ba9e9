"""`voco apply` owns manager.conf: only the bridge's user, from this host, with Voco's secret."""

from __future__ import annotations

import asyncio
from pathlib import Path

from asterisk_bridge.bridge.amiclient import ami_session
from asterisk_bridge.sandbox.instance import Instance
from tests.conftest import CliCall
from tests.integration.provision_support import attach, ok


def _ping(inst: Instance) -> str:
    async def ask() -> str:
        async with ami_session(inst.settings()) as ami:
            return str((await ami.action({"Action": "Ping"})).get("Ping"))
    return asyncio.run(ask())


def test_apply_restores_a_hand_edited_manager_conf(run_cli: CliCall, config_path: Path,
                                                   asterisk: Instance) -> None:
    ok(run_cli("init"))
    attach(config_path, asterisk)
    ok(run_cli("apply"))
    conf = asterisk.etc_dir / "manager.conf"
    rendered = conf.read_text()
    assert "[voco]" in rendered and "deny = 0.0.0.0/0.0.0.0" in rendered
    assert asterisk.info().ami_secret in rendered  # Asterisk needs it in clear; only there

    # Someone opens AMI to the world by hand and reloads; apply puts it back.
    conf.write_text(rendered.replace("bindaddr = 127.0.0.1", "bindaddr = 0.0.0.0")
                    + "\n[intruder]\nsecret = x\nread = all\nwrite = all\n")
    asterisk.rx("module reload manager")
    dry = ok(run_cli("apply", "--dry-run"))
    assert "manager.conf" in dry.output and "[intruder]" in dry.output
    assert asterisk.info().ami_secret not in dry.output  # secrets are masked in diffs
    applied = ok(run_cli("apply"))
    assert "manager.conf" in applied.output and "manager" in applied.output
    assert conf.read_text() == rendered
    assert "intruder" not in asterisk.rx("manager show users")
    assert _ping(asterisk) == "Pong"
