"""The bridge capability that announces inbound calls to the open popup and CRM doors.

The generated dialplan raises ``UserEvent(VocoInbound)`` while the call rings and then waits
for ``VOCO_DOORS_DONE`` at most the CRM's deadline. Here each popup gets its request in a task
of its own (never awaited by the call), the CRM is asked within the deadline, a name found is set
as the caller's name (so the called phone and the CDR show it) and into the CDR's userfield,
and the call is released at once. With the bridge down the call waits the deadline and goes on.
Every hand-out is in the operation log, with the call's linkedid and never the number.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any

import httpx

from asterisk_bridge.bridge.capability import BridgeHandle, Event, Gap
from asterisk_bridge.bridge.logs import fields, get_logger
from asterisk_bridge.callerinfo import popup
from asterisk_bridge.callerinfo.doors import Open, open_doors
from asterisk_bridge.callerinfo.lookup import CrmLookup
from asterisk_bridge.context import App

EVENT = "VocoInbound"
log = get_logger("callerinfo")


class InboundDoors:
    """Capability ``inbound-doors``."""

    name = "inbound-doors"

    def __init__(self, app: App) -> None:
        self.app = app
        self.bridge: BridgeHandle | None = None
        self._client: httpx.AsyncClient | None = None
        self.lookups: dict[int, CrmLookup] = {}  # by grant: each keeps its in-memory cache
        self.tasks: set[asyncio.Task[None]] = set()

    @property
    def client(self) -> httpx.AsyncClient:
        """The popups' and CRMs' HTTP client, made when the first call finds a door open: its
        TLS context loads the CA bundle (over 2 MB resident) that a bridge with no door open,
        or idle, never needs."""
        if self._client is None:
            self._client = httpx.AsyncClient(follow_redirects=False)
        return self._client

    def register(self, bridge: BridgeHandle) -> None:
        """The dialplan's announcement of a ringing inbound call."""
        self.bridge = bridge
        bridge.on_ami("UserEvent", self.inbound, where=("UserEvent", EVENT))

    async def inbound(self, event: Event) -> None:
        """Popups in the background; the CRM within its deadline; then release the call."""
        if event.get("UserEvent") != EVENT or self.bridge is None:
            return
        channel = str(event.get("Channel", ""))
        call = str(event.get("Linkedid", ""))
        number = str(event.get("CallerIDNum", ""))
        doors: Open = await asyncio.to_thread(open_doors, self.app.engine, self.app.master_key)
        facts = {"caller_number": number, "caller_name": str(event.get("CallerIDName", "")),
                 "called": str(event.get("Called", "")), "call": call}
        for door in doors.popups:
            self._spawn(self._popup(door.grant_id, door.name, door.url, door.key, facts))
        try:
            if doors.crm is not None and number:
                grant_id, name, fresh = doors.crm
                lookup = self.lookups.setdefault(grant_id, fresh)
                try:
                    found = await asyncio.wait_for(lookup.name_for(self.client, number),
                                                   lookup.deadline_s)
                except TimeoutError:
                    found = None
                if found:
                    await self._set(channel, "CALLERID(name)", found)
                    await self._set(channel, "CDR(userfield)", f"crm:{found}")
                await self._log("crm lookup", grant_id, name, call,
                                "found" if found else "no name")
        finally:
            await self._set(channel, "VOCO_DOORS_DONE", "1")

    async def _set(self, channel: str, variable: str, value: str) -> None:
        assert self.bridge is not None
        try:
            await self.bridge.ami_action({"Action": "Setvar", "Channel": channel,
                                         "Variable": variable, "Value": value}, timeout=5)
        except Exception as exc:  # the call has hung up, or AMI dropped: it goes on anyway
            log.warning("callerinfo.setvar_failed", extra=fields(variable=variable,
                                                                 error=str(exc)))

    async def _popup(self, grant_id: int, name: str, url: str, key: str,
                     facts: dict[str, str]) -> None:
        delivered = await popup.send(self.client, url, key, facts)
        await self._log("popup", grant_id, name, facts["call"],
                        "delivered" if delivered else "not delivered")

    async def _log(self, what: str, grant_id: int, name: str, call: str, outcome: str) -> None:
        await asyncio.to_thread(self.app.record, what, {"grant": grant_id, "name": name,
                                                        "call": call, "outcome": outcome},
                                "ok", actor="bridge")

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        """Nothing to reconcile: a call missed while away went on without its name."""

    async def close(self) -> None:
        """Let popups in flight finish (each is bounded), then close the client."""
        if self.tasks:
            with contextlib.suppress(Exception):
                await asyncio.gather(*self.tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
