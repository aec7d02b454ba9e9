"""Three Asterisk nodes, each with its own bridge and node name, on one PostgreSQL.

Calls run on all three at once, one of them crossing from node A to node B over a PJSIP trunk;
node C's bridge is SIGKILLed mid-burst and started again. Every record each Asterisk wrote is
stored once, under its own node (Asterisk's uniqueids can repeat between nodes), calls are
grouped per node, and ``voco calls list`` / ``voco cdr list --node`` give the same answer from
any node's config.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from asterisk_bridge.bridge.status import read_status
from asterisk_bridge.config import Config, write_config
from asterisk_bridge.context import App
from asterisk_bridge.generator.pbx import render_pbx
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.services.init import initialise
from cli.main import voco
from tests.integration.cdr_support import (
    DIALPLAN,
    RECORDS_PER_PLAIN_CALL,
    active_channels,
    asterisk_records,
    originate,
    stored,
    wait_until,
)

pytestmark = [pytest.mark.asterisk, pytest.mark.postgres]
NODES = ("node-a", "node-b", "node-c")
N = 12  # plain calls per node

#: Node A's side of the trunk: calls to ``cross`` leave through it to node B's SIP port.
TRUNK_OUT = """
[to-b]
type = endpoint
context = cdrtest
disallow = all
allow = ulaw
direct_media = no
aors = to-b

[to-b]
type = aor
contact = sip:127.0.0.1:{port}
"""
#: Node B's side: what arrives from loopback is node A's trunk, answered in ``trunkin``.
TRUNK_IN = """
[from-a]
type = endpoint
context = trunkin
disallow = all
allow = ulaw
direct_media = no

[from-a]
type = identify
endpoint = from-a
match = 127.0.0.1
"""
CROSS = """
[cdrtest]
exten => cross,1,Dial(PJSIP/cross@to-b,30)
 same => n,Hangup()
"""
ANSWER = """
[trunkin]
exten => cross,1,Answer()
 same => n,PlayTones(1200)
 same => n,Wait(30)
 same => n,Hangup()
"""


@pytest.fixture
def instances() -> Iterator[list[Instance]]:
    """Three sandbox Asterisk instances; A has a trunk to B."""
    tag = uuid.uuid4().hex[:6]
    insts = [Instance(f"mn{name[-1]}{tag}") for name in NODES]
    try:
        for inst in insts:
            inst.create()
        b_port = insts[1].info().sip_port
        for i, inst in enumerate(insts):
            files = render_pbx(None, inst.node_context())
            files["pjsip.conf"] += {0: TRUNK_OUT.format(port=b_port), 1: TRUNK_IN}.get(i, "")
            files["extensions_test.conf"] = DIALPLAN + {0: CROSS, 1: ANSWER}.get(i, "")
            inst.start(files)
        yield insts
    finally:
        for inst in insts:
            inst.destroy()


def _node_configs(tmp_path: Path, insts: list[Instance], pg_url: str) -> list[Config]:
    """Node A is initialised; B and C get a config of their own (node name, Asterisk) that
    shares the store, with copies of A's master key and log anchor, as the README says."""
    first = initialise(tmp_path / NODES[0] / "voco.toml", tmp_path / NODES[0] / "data", pg_url,
                       insts[0].settings(NODES[0]))
    configs = [first]
    for name, inst in zip(NODES[1:], insts[1:], strict=True):
        data = tmp_path / name / "data"
        data.mkdir(parents=True, mode=0o700)
        for f in (first.master_key_file, first.oplog_anchor):
            shutil.copy2(f, data / f.name)
        cfg = replace(first, path=tmp_path / name / "voco.toml", data_dir=data,
                      master_key_file=data / first.master_key_file.name,
                      asterisk=inst.settings(name))
        write_config(cfg)
        configs.append(cfg)
    return configs


def _bridge(cfg: Config, log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    return subprocess.Popen([str(Path(sys.executable).with_name("voco")), "--config",
                             str(cfg.path), "bridge", "run"], stdout=out, stderr=out)


def _connected(cfg: Config) -> bool:
    try:
        link = read_status(cfg.status_file).links.get("ami")
    except Exception:
        return False
    return link is not None and link.state == "connected"


def _cli(cfg: Config, *args: str) -> Any:
    result = CliRunner().invoke(voco, ["--config", str(cfg.path), *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_three_nodes_one_store(instances: list[Instance], pg_url: str, tmp_path: Path) -> None:
    configs = _node_configs(tmp_path, instances, pg_url)
    app = App(configs[0])
    a = instances[0]
    bridges = [_bridge(cfg, tmp_path / f"{cfg.asterisk.node}.log") for cfg in configs]

    def c_stored() -> int:
        return sum(r["node"] == "node-c" for r in stored(app.engine))

    async def main() -> None:
        for cfg in configs:
            await wait_until(lambda cfg=cfg: _connected(cfg), 120, f"{cfg.asterisk.node} up")
        burst = [asyncio.create_task(originate(inst, "plain", N, talk=1, spacing=0.4))
                 for inst in instances]
        burst.append(asyncio.create_task(originate(a, "cross", 1, talk=2)))
        await wait_until(lambda: c_stored() > 0, 120, "node C's first CDRs")
        os.kill(bridges[2].pid, signal.SIGKILL)  # mid-burst
        bridges[2].wait()
        await asyncio.gather(*burst)
        for inst in instances:
            await wait_until(lambda inst=inst: active_channels(inst) == 0, 120, "calls to end")
        assert c_stored() < N * RECORDS_PER_PLAIN_CALL  # it did miss some
        bridges[2] = _bridge(configs[2], tmp_path / "node-c.log")  # reconciles on start
        truth = {(node, r["uniqueid"], r["sequence"]) for node, inst in zip(NODES, instances,
                                                                              strict=True)
                 for r in asterisk_records(inst, node)}

        def complete() -> bool:
            return truth <= {(r["node"], r["uniqueid"], r["sequence"])
                             for r in stored(app.engine)}

        await wait_until(complete, 180, "every node's records in the store")

    try:
        asyncio.run(main())
    finally:
        for proc in bridges:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(30)

    rows = stored(app.engine)
    keys = [(r["node"], r["uniqueid"], r["sequence"]) for r in rows]
    assert len(keys) == len(set(keys)), "a CDR was stored twice"
    for node, inst in zip(NODES, instances, strict=True):
        assert len(asterisk_records(inst, node)) == sum(r["node"] == node for r in rows)

    # The same answers from every node's config: the store is shared.
    for cfg in configs:
        for node, inst in zip(NODES, instances, strict=True):
            listed = _cli(cfg, "cdr", "list", "--node", node, "--limit", "1000")
            assert {r["node"] for r in listed} == {node}
            assert len(listed) == len(asterisk_records(inst, node))
        calls = _cli(cfg, "calls", "list", "--limit", "1000")
        per_node = {n: [x for x in calls if x["node"] == n] for n in NODES}
        assert {n: len(v) for n, v in per_node.items()} == {"node-a": N + 1, "node-b": N + 1,
                                                            "node-c": N}
        assert all(x["disposition"] == "answered" for x in calls)
        # The trunk call: on A, alice's call answered through the trunk; on B, the trunk's
        # inbound channel answered there (a record without a dialled leg). Each node groups
        # its own half.
        (out,) = [x for x in per_node["node-a"]
                  if any(leg["dstchannel"].startswith("PJSIP/to-b-") for leg in x["legs"])]
        assert out["answered_by"].startswith("PJSIP/to-b-")
        (inbound,) = [r for r in _cli(cfg, "cdr", "list", "--node", "node-b", "--limit", "1000")
                      if r["channel"].startswith("PJSIP/from-a-")]
        assert inbound["disposition"] == "ANSWERED"
        assert [x["records"] for x in per_node["node-b"]
                if x["call_id"] == inbound["linkedid"]] == [1]
    app.engine.dispose()
