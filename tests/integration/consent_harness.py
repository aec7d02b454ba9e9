"""Two-party calls through the real generated ``voco-dial`` on a sandbox Asterisk.

A test sets the policy with the CLI, :meth:`Pbx.apply` renders the PBX files from the store (as
``voco apply`` does) plus a scenario context, and :meth:`Pbx.call` originates a call whose two
"phones" follow scripts: talk in a tone, wait, send DTMF. The consent bridge capability runs on
the real :class:`Bridge`, so evidence lands in the store exactly as in production.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.context import App
from asterisk_bridge.generator.pbx import render_pbx
from asterisk_bridge.provisioning import secrets
from asterisk_bridge.recording import evidence, prompts
from asterisk_bridge.recording.consent_capability import ConsentCapability
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.store.models.consent import ConsentEvidence
from tests.audio import ALICE_HZ, BOB_HZ
from tests.polling import await_for

SETTLE_S = 0.5  # after hangup, for the handlers to store the last markers
Step = tuple[str, str]  # ("wait", seconds) | ("dtmf", digits)

SCENARIO = """
[rectest]
exten => _X.,1,Gosub(voco-dial,s,1(Local/callee@recphone/n,${KIND},${CALLER},${EXTEN},${ROUTE}))
 same => n,Hangup()

[recphone]
"""


def phone(exten: str, hz: int, steps: Sequence[Step]) -> str:
    """A phone that answers, talks at ``hz`` and follows ``steps``, then hangs up."""
    lines = [f"exten => {exten},1,Answer()", f" same => n,PlayTones({hz})"]
    for kind, arg in steps:
        if kind == "wait":
            lines.append(f" same => n,Wait({arg})")
        else:
            lines += [f" same => n,SendDTMF({arg})", f" same => n,PlayTones({hz})"]
    lines.append(" same => n,Hangup()")
    return "\n".join(lines) + "\n"


@dataclass
class Call:
    """A call placed by :meth:`Pbx.call`: its linkedid and the events the test saw."""

    linkedid: str
    events: list[dict[str, Any]] = field(default_factory=list)

    def named(self, name: str) -> list[dict[str, Any]]:
        """This call's events called ``name``."""
        return [e for e in self.events if e.get("Event") == name
                and e.get("Linkedid", e.get("LinkedID")) == self.linkedid]


@dataclass
class Pbx:
    """A sandbox Asterisk configured from a Voco store."""

    app: App
    inst: Instance

    @property
    def spool(self) -> Path:
        """Host path of the RAM spool MixMonitor writes into."""
        return self.inst.spool_dir / "monitor"

    def apply(self, caller: Sequence[Step], callee: Sequence[Step], extra: str = "") -> None:
        """Render the PBX files from the store plus the two phones (and ``extra`` scenario
        dialplan), install prompts, reload."""
        with secrets.unlocked(self.app.master_key):
            files = render_pbx(self.app.engine, self.inst.node_context())
        files["extensions_test.conf"] = (SCENARIO + phone("caller", ALICE_HZ, caller)
                                         + phone("callee", BOB_HZ, callee) + extra)
        self.inst.write_files(files)
        prompts.install(self.app.engine, self.inst.base / "lib")
        for module in ("pbx_config", "features"):
            out = self.inst.rx(f"module reload {module}")
            assert "failure" not in out, out

    @asynccontextmanager
    async def bridge(self) -> AsyncIterator[Bridge]:
        """The real bridge running only the consent capability, plus an event log for tests."""
        bridge = Bridge(self.app, capabilities=[ConsentCapability(self.app)])
        self.seen: list[dict[str, Any]] = []

        async def keep(event: Any) -> None:
            self.seen.append(dict(event))

        bridge.on_ami("*", keep)
        async with bridge:
            yield bridge

    async def call(self, bridge: Bridge, kind: str = "inbound", caller: str = "carrier",
                   callee: str = "1001", route: str = "") -> Call:
        """Originate the caller phone into ``voco-dial``; return once the call is over."""
        resp = await bridge.ami_action({
            "Action": "Originate", "Channel": "Local/caller@recphone/n", "Context": "rectest",
            "Exten": callee, "Priority": "1", "CallerID": "Alice <5550100>", "Async": "false",
            "Variable": f"KIND={kind},CALLER={caller},ROUTE={route}"}, timeout=30)
        first = resp[0] if isinstance(resp, list) else resp
        assert first.get("Response") == "Success", resp

        def linkedids() -> list[str]:
            return [str(e.get("Linkedid")) for e in self.seen if e.get("Event") == "Newchannel"
                    and str(e.get("Channel", "")).startswith("Local/caller@recphone")]

        await await_for(linkedids, "the originated channel")
        return Call(linkedids()[-1], self.seen)

    async def hung_up(self, call: Call) -> None:
        """Wait until every channel of ``call`` is gone."""
        await await_for(lambda: sum(1 for e in call.named("Newchannel"))
                        == sum(1 for e in call.named("Hangup")), "the call to end")

    def place(self, **where: str) -> Call:
        """Place one call (see :meth:`call`) with the bridge running; return after hangup."""

        async def main() -> Call:
            async with self.bridge() as bridge:
                call = await self.call(bridge, **where)
                await self.hung_up(call)
                await asyncio.sleep(SETTLE_S)
                return call

        return asyncio.run(main())

    def evidence(self, call: Call) -> list[dict[str, str]]:
        """The stored evidence of ``call``."""
        return evidence.for_call(self.app, call.linkedid)

    def evidence_all(self) -> list[dict[str, str]]:
        """Every stored fact of every call (for a test that saw no events to learn a linkedid)."""
        with Session(self.app.engine) as s:
            linkedids = s.scalars(select(ConsentEvidence.linkedid).distinct()).all()
        return [f for linkedid in sorted(linkedids)
                for f in evidence.for_call(self.app, linkedid)]

    def recordings(self, call: Call) -> list[Path]:
        """The call's recordings in the spool."""
        return sorted(self.spool.glob(f"voco-{call.linkedid.replace('.', '_')}-*.wav"))
