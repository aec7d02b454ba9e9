"""Shared by the CDR integration tests: scenario dialplan, AMI-driven calls, truth from Asterisk.

Calls are AMI Originates of Local channels (``/n``) into the ``cdrtest`` context; the "truth" a
test compares the store with is Asterisk's own Master.csv (every ``Master.csv*`` file, since the
bridge rotates it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import psycopg
from panoramisk import Manager
from sqlalchemy import Engine, select

from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.cdr import csvsource
from asterisk_bridge.cdr.capture import CdrCapture
from asterisk_bridge.cdr.reconcile import csv_dir
from asterisk_bridge.cdr.sealing import open_rows
from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.sandbox.ports import free_tcp_port
from asterisk_bridge.services.init import initialise
from asterisk_bridge.store.models.cdr import CdrRecord
from asterisk_bridge.subjects.vault import SubjectVault

DIALPLAN = r"""
[cdrtest]
exten => plain,1,Dial(Local/bob-n-1-${TALK}@phone/n,30)
 same => n,Hangup()
exten => noanswer,1,Dial(Local/ring@cdrphone/n,2)
 same => n,Hangup()
exten => busy,1,Dial(Local/busy@cdrphone/n,10)
 same => n,Hangup()
exten => fwd,1,Dial(Local/ring@cdrphone/n,2)
 same => n,Dial(Local/carol-n-1-2@cdrphone/n,30)
 same => n,Hangup()
exten => blind,1,Dial(Local/bob-n-1-8@phone/n,30,tT)
 same => n,Hangup()
exten => carol,1,Dial(Local/carol-n-1-3@cdrphone/n,30,tT)
 same => n,Hangup()
exten => attended,1,Dial(Local/xferer@cdrphone/n,30,tT)
 same => n,Hangup()
exten => queue,1,Queue(cdrq,,,,20)
 same => n,Hangup()

[cdrphone]
exten => ring,1,Ringing()
 same => n,Wait(60)
exten => ring2,1,Ringing()
 same => n,Wait(60)
exten => busy,1,Busy(5)
exten => _carol-[0-9n*#]-X.,1,Answer()
 same => n,PlayTones(800)
 same => n,Wait(${CUT(EXTEN,-,4)})
 same => n,Hangup()
; the transferer: answers, presses *2 (atxfer), dials 700 (carol), hangs up to complete
exten => xferer,1,Answer()
 same => n,PlayTones(1200)
 same => n,Wait(2)
 same => n,SendDTMF(*2)
 same => n,Wait(1)
 same => n,SendDTMF(700)
 same => n,Wait(6)
 same => n,Hangup()
exten => 700,1,Dial(Local/carol-n-1-10@cdrphone/n,30)
 same => n,Hangup()
exten => agent,1,Ringing()
 same => n,Wait(1)
 same => n,Answer()
 same => n,Wait(3)
 same => n,Hangup()
"""
QUEUES = """; test queue: three agents rung at once, one answers after a second
[general]
persistentmembers = no
[cdrq]
strategy = ringall
timeout = 10
retry = 1
joinempty = yes
member => Local/ring@cdrphone/n
member => Local/ring2@cdrphone/n
member => Local/agent@cdrphone/n
"""
FEATURES = """[general]
featuredigittimeout = 1000
[featuremap]
atxfer = *2
"""
RECORDS_PER_PLAIN_CALL = 3  # alice;1 -> bob;1, and each phone's ;2 half


def prepare(inst: Instance) -> None:
    """Install the scenario dialplan, the test queue and the transfer feature code."""
    inst.write_files({"extensions_test.conf": DIALPLAN, "queues.conf": QUEUES,
                      "features.conf": FEATURES})
    inst.rx("dialplan reload")
    inst.rx("module reload app_queue")
    inst.rx("module reload features")


def make_app(tmp_path: Path, inst: Instance, db_url: str, node: str = "node1",
             name: str = "voco") -> App:
    """A Voco installation (config, key, migrated store) pointed at ``inst``."""
    cfg = initialise(tmp_path / name / "voco.toml", tmp_path / name / "data", db_url,
                     inst.settings(node))
    return App(cfg)


@contextlib.asynccontextmanager
async def running_bridge(app: App, **capture_kwargs: Any
                         ) -> AsyncIterator[tuple[Bridge, CdrCapture]]:
    """The real bridge (AMI + ARI) running only the CDR capability; rotated CDR files are
    kept for an hour so the test can compare with everything Asterisk wrote."""
    capture = CdrCapture(app, **{"csv_grace_s": 3600.0, **capture_kwargs})
    async with Bridge(app, capabilities=[capture]) as bridge:
        yield bridge, capture


async def originate(inst: Instance, exten: str, count: int = 1, talk: int = 1,
                    spacing: float = 0.0) -> None:
    """Place ``count`` calls from alice into ``cdrtest,exten`` over a fresh AMI connection."""
    info = inst.info()
    manager = Manager(host="127.0.0.1", port=info.ami_port, username=info.ami_user,
                      secret=info.ami_secret, ping_delay=0, reconnect_timeout=0)
    await manager.connect()
    try:
        for _ in range(count):
            reply = await manager.send_action({
                "Action": "Originate", "Channel": f"Local/alice-n-1-{talk + 2}@phone/n",
                "Context": "cdrtest", "Exten": exten, "Priority": "1",
                "CallerID": "Alice <1001>", "Variable": f"TALK={talk}", "Async": "true"})
            first = reply[0] if isinstance(reply, list) else reply
            assert first.Response == "Success", first
            if spacing:
                await asyncio.sleep(spacing)
    finally:
        manager.close()


def asterisk_records(inst: Instance, node: str = "node1") -> list[dict[str, Any]]:
    """Every record in Asterisk's CDR files (live and rotated), deduplicated by natural key."""
    seen: dict[tuple[str, int], dict[str, Any]] = {}
    for path in sorted(csv_dir(inst.log_dir).glob("Master.csv*")):
        for row in csvsource.read_records(path, node).rows:
            seen[(row["uniqueid"], row["sequence"])] = row
    return list(seen.values())


def stored(engine: Engine, master_key: bytes | None = None) -> list[dict[str, Any]]:
    """Every stored CDR row (its personal values opened, given the master key)."""
    with engine.connect() as conn:
        rows = conn.execute(select(*CdrRecord.__table__.columns)).mappings()
        if master_key is None:
            return [dict(r) for r in rows]
        return open_rows(conn, SubjectVault(master_key), rows)


def channels(inst: Instance) -> list[str]:
    """Names of the channels Asterisk has up."""
    return [line.split("!")[0] for line in inst.rx("core show channels concise").splitlines()
            if "!" in line]


def active_channels(inst: Instance) -> int:
    """How many channels Asterisk has up."""
    out = inst.rx("core show channels count")
    for line in out.splitlines():
        if "active channel" in line:
            return int(line.split()[0])
    return 0


async def wait_until(cond: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``cond`` (in a thread) until true; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await asyncio.to_thread(cond):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def by_key(rows: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    """Rows indexed by (uniqueid, sequence)."""
    return {(r["uniqueid"], r["sequence"]): r for r in rows}


def stored_keys_once(rows: list[dict[str, Any]]) -> set[tuple[str, int]]:
    """The natural keys of ``rows``, asserting none appears twice."""
    keys = [(r["uniqueid"], r["sequence"]) for r in rows]
    assert len(keys) == len(set(keys)), "a CDR was stored twice"
    return set(keys)


def per_call(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Records per linkedid."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["linkedid"]] = counts.get(r["linkedid"], 0) + 1
    return counts


PG_BIN = Path("/usr/lib/postgresql/15/bin")


class ThrowawayPostgres:
    """A private PostgreSQL cluster on a free loopback port, to stop and start at will (the
    machine's shared server is never touched)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="voco-pg-"))
        self.port = free_tcp_port()
        self.data = self.dir / "data"
        os.chmod(self.dir, 0o755)
        shutil.chown(self.dir, "postgres", "postgres")
        self._pg("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                 "--no-sync", "-E", "UTF8")
        self.start()
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres",
                             autocommit=True) as conn:
            conn.execute("CREATE DATABASE voco")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/voco"

    def _pg(self, tool: str, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / tool), *args],
                       check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        """Start the cluster and wait until it accepts connections."""
        self._pg("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.dir / "log"), "-o",
                 f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "start")

    def stop(self) -> None:
        """Stop it (fast: connections are cut, as in a real outage)."""
        self._pg("pg_ctl", "-D", str(self.data), "-w", "-m", "fast", "stop")

    def connect_as(self, role: str, password: str, port: int | None = None
                   ) -> psycopg.Connection:
        """A password login as *role* (through *port*, e.g. a relay, instead of the server's)."""
        return psycopg.connect(host="127.0.0.1", port=port or self.port, dbname="voco",
                               user=role, password=password, connect_timeout=30,
                               autocommit=True)

    def destroy(self) -> None:
        """Stop (if running) and delete the cluster."""
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D",
                        str(self.data), "-m", "immediate", "stop"], capture_output=True,
                       check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
