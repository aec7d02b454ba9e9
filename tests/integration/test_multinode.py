"""Three Asterisk nodes, each with its own bridge and node name, on one PostgreSQL.

Calls run on all three at once, one of them crossing from node A to node B over a Voco peer
trunk (provisioned in the shared store and applied on every node); node C's bridge is SIGKILLed
mid-burst and started again. Every record each Asterisk wrote is stored once, under its own node
(Asterisk's uniqueids can repeat between nodes), calls are grouped per node and across the trunk
(the crossing call is one call with both nodes' halves), and ``voco calls list`` / ``voco cdr
list --node`` give the same answer from any node's config.
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

#: Node A's test calls to ``cross`` take the provisioned outbound route to node B's DID.
CROSS = """
[cdrtest]
exten => cross,1,Goto(voco-internal,5550100,1)
"""


@pytest.fixture
def instances() -> Iterator[list[Instance]]:
    """Three sandbox Asterisk instances (the trunk between A and B is provisioned later, in
    the shared store, and applied on every node)."""
    tag = uuid.uuid4().hex[:6]
    insts = [Instance(f"mn{name[-1]}{tag}") for name in NODES]
    try:
        for i, inst in enumerate(insts):
            inst.create()
            files = render_pbx(None, inst.node_context())
            files["extensions_test.conf"] = DIALPLAN + (CROSS if i == 0 else "")
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


def _provision_trunk(configs: list[Config], b_port: int) -> None:
    """A Voco peer trunk to node B (which knows node A by its address), a room behind DID
    5550100, and a route to it through the trunk; applied on every node, as each would."""
    for argv in (("trunk", "add", "ab", "--host", "127.0.0.1", "--port", str(b_port),
                  "--identify", "127.0.0.1", "--voco-peer"),
                 ("conference", "add", "room", "--number", "7001"),
                 ("route", "inbound", "add", "5550100", "--to", "conference:room"),
                 ("route", "outbound", "add", "to-b", "--pattern", "_555XXXX", "--trunk", "ab")):
        _cli(configs[0], *argv)
    for cfg in configs:
        result = CliRunner().invoke(voco, ["--config", str(cfg.path), "apply"])
        assert result.exit_code == 0, result.output


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
    _provision_trunk(configs, instances[1].info().sip_port)
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
        assert {n: len(v) for n, v in per_node.items()} == {"node-a": N + 1, "node-b": N,
                                                            "node-c": N}
        assert all(x["disposition"] == "answered" for x in calls)
        # The trunk call is one call with both halves: A's caller answered through the peer
        # trunk, and B's inbound channel (answered by the room) marked with A's node and call.
        (cross,) = [x for x in calls if len(x["nodes"]) > 1]
        assert cross["node"] == "node-a" and cross["nodes"] == ["node-a", "node-b"]
        assert cross["answered_by"].startswith("PJSIP/trunk-ab-")
        assert {leg["node"] for leg in cross["legs"]} == {"node-a"}  # B's half dials no one
        (inbound,) = [r for r in _cli(cfg, "cdr", "list", "--node", "node-b", "--limit", "1000")
                      if r["channel"].startswith("PJSIP/trunk-ab-")]
        assert inbound["disposition"] == "ANSWERED"
        assert inbound["accountcode"] == f"voco:node-a/{cross['call_id']}"
        a_records = [r for r in rows if r["node"] == "node-a" and r["linkedid"] ==
                     cross["call_id"]]
        b_records = [r for r in rows if r["node"] == "node-b" and r["linkedid"] ==
                     inbound["linkedid"]]
        assert cross["records"] == len(a_records) + len(b_records)
        # Asked from B's side, it is the same call.
        from_b = _cli(cfg, "calls", "list", "--node", "node-b", "--limit", "1000")
        assert len(from_b) == N + 1 and cross in from_b
    # Master.csv, the copy reconciliation reads, carries the mark too.
    assert [r["accountcode"] for r in asterisk_records(instances[1], "node-b")
            if r["channel"].startswith("PJSIP/trunk-ab-")] == [inbound["accountcode"]]
    app.engine.dispose()
