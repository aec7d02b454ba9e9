"""``voco sandbox stop`` + ``start`` brings the installation's PBX back, on real Asterisk.

The sandbox used to boot an empty PBX every time: after a restart the provisioned phones got
401 until someone thought of ``voco apply``. Now start boots with the installation's files and
applies them; when they cannot be rendered it says so and exits non-zero.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from asterisk_bridge import oplog
from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.store.models.provisioning import ProvTrunk
from tests.conftest import CliCall
from tests.integration.provision_support import ok
from tests.integration.sipp_support import Phone

pytestmark = pytest.mark.asterisk


@pytest.fixture
def sandbox(run_cli: CliCall, asterisk_root: Path) -> Iterator[Instance]:
    name = f"t{uuid.uuid4().hex[:10]}"
    yield Instance(name, asterisk_root)
    run_cli("sandbox", "stop", "--name", name, "--destroy")


def test_a_restarted_sandbox_runs_the_provisioned_pbx(run_cli: CliCall, config_path: Path,
                                                      sandbox: Instance, tmp_path: Path) -> None:
    ok(run_cli("init"))
    ok(run_cli("sandbox", "start", "--name", sandbox.name))
    secret = json.loads(ok(run_cli("extension", "add", "1001", "--name", "Alice",
                                   "--transport", "udp", "--json")).output)["secret"]
    ok(run_cli("recording-policy", "set", "ext", "1001", "yes"))
    ok(run_cli("apply"))
    Phone(tmp_path / "before", "1001", secret, sandbox.info().sip_port).register()

    ok(run_cli("sandbox", "stop", "--name", sandbox.name))
    assert not sandbox.is_running()
    started = ok(run_cli("sandbox", "start", "--name", sandbox.name)).output
    Phone(tmp_path / "after", "1001", secret, sandbox.info().sip_port).register()  # no 401
    assert "1001/1001" in sandbox.rx("pjsip show endpoints")
    assert "Voco's configuration is live in it" in started
    assert "Return(yes/" in sandbox.rx("dialplan show voco-rec-rules")
    app = App.open(config_path)
    logged = [e for e in oplog.entries(app.engine, oplog.Filters()) if e.command == "apply"]
    assert json.loads(logged[-1].args)["sandbox"] == sandbox.name


def test_a_start_that_cannot_render_says_the_pbx_is_empty(run_cli: CliCall, config_path: Path,
                                                          sandbox: Instance) -> None:
    ok(run_cli("init"))
    ok(run_cli("sandbox", "start", "--name", sandbox.name))
    ok(run_cli("trunk", "add", "carrier", "--host", "192.0.2.10"))
    ok(run_cli("sandbox", "stop", "--name", sandbox.name))
    with Session(App.open(config_path).engine) as s, s.begin():
        s.execute(update(ProvTrunk).values(identify='["::%1,0.0.0.0/0"]'))
    result = run_cli("sandbox", "start", "--name", sandbox.name)
    assert result.exit_code == 1
    assert "running, but with an empty PBX" in result.output and "identify:" in result.output
    assert sandbox.is_running() and "trunk-carrier" not in sandbox.rx("pjsip show endpoints")


def test_without_a_config_the_sandbox_says_it_is_empty(run_cli: CliCall,
                                                       sandbox: Instance) -> None:
    out = ok(run_cli("sandbox", "start", "--name", sandbox.name)).output
    assert "it runs an empty PBX" in out and "no Voco config" in out
