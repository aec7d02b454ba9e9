"""Every door for third parties is closed after 'voco init': no grant, no AMI user but the
bridge's own (from this host only), no API listening, no database role, no popup, no CRM."""

from __future__ import annotations

import re

from asterisk_bridge.context import App
from asterisk_bridge.errors import ExitCode
from asterisk_bridge.generator.pbx import node_context, render_pbx
from asterisk_bridge.grants import register as grants
from asterisk_bridge.provisioning.secrets import unlocked
from tests.conftest import CliCall
from tests.unit.cli_support import ok


def test_every_door_is_closed_after_init(app: App, run_cli: CliCall) -> None:
    assert "every door is closed" in ok(run_cli, "grants", "list")
    with app.engine.connect() as conn:
        assert grants.listing(conn) == []
    with unlocked(app.master_key):
        rendered = render_pbx(app.engine, node_context(app.config.asterisk, "s"))
    manager = rendered["manager.conf"]
    assert "voco-doors" not in rendered["extensions.conf"]  # no popup, no CRM lookup
    users = re.findall(r"^\[(.+)\]$", manager, re.MULTILINE)
    assert users == ["general", app.config.asterisk.ami_user]
    assert "bindaddr = 127.0.0.1" in manager
    assert not app.config.api.enabled and app.config.api.bind == "127.0.0.1"
    refused = run_cli("api", "serve")
    assert refused.exit_code == ExitCode.NOT_RUNNING and "disabled" in refused.output
    assert re.findall(r"^permit = (.+)$", manager, re.MULTILINE) == ["127.0.0.1/255.255.255.255"]
