"""Failed AMI logins (Asterisk's security events: unknown user, wrong secret, refused address)
recorded and rate-limited: the first failure from an address in a window goes into the
operation log, and a burst of them is reported once (an ``auth_failures`` notification and a
log entry with the count); the rest of the window only counts. A successful login of an
application's user is a use of its grant: from a new address it raises ``grant_new_address``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from asterisk_bridge.bridge.capability import BridgeHandle, Event, Gap
from asterisk_bridge.bridge.logs import fields, get_logger
from asterisk_bridge.context import App
from asterisk_bridge.errors import NotFoundError
from asterisk_bridge.grants import register as grants
from asterisk_bridge.grants.addresses import note_use
from asterisk_bridge.notifications import bus

#: Asterisk's security events for a login that failed, and what each means.
FAILURES = {"InvalidAccountID": "unknown user", "InvalidPassword": "wrong secret",
            "ChallengeResponseFailed": "wrong secret", "FailedACL": "address not permitted"}
WINDOW_S = 300.0
THRESHOLD = 5

log = get_logger("amiusers")


def remote_address(value: str) -> str:
    """``IPV4/TCP/192.0.2.7/50123`` -> ``192.0.2.7`` (IPv6 addresses keep their colons)."""
    parts = value.split("/")
    return parts[2] if len(parts) >= 4 else value[:64]


@dataclass
class _Window:
    began: float
    count: int = 0
    reported: bool = False
    accounts: set[str] = field(default_factory=set)


@dataclass
class FailureCounter:
    """Per-address windows: ``seen(address, account)`` -> "first", "burst" or None."""

    clock: Callable[[], float] = time.monotonic
    windows: dict[str, _Window] = field(default_factory=dict)

    def seen(self, address: str, account: str) -> str | None:
        now = self.clock()
        win = self.windows.get(address)
        if win is None or now - win.began > WINDOW_S:
            win = self.windows[address] = _Window(now)
        win.count += 1
        win.accounts.add(account[:64])
        if win.count == 1:
            return "first"
        if win.count >= THRESHOLD and not win.reported:
            win.reported = True
            return "burst"
        return None


class AmiLoginWatch:
    """Capability ``ami-logins``."""

    name = "ami-logins"

    def __init__(self, app: App) -> None:
        self.app = app
        self.counter = FailureCounter()

    def register(self, bridge: BridgeHandle) -> None:
        """Every AMI login failure Asterisk reports, and every successful one (an
        application's user logging in from an address its grant never came from)."""
        for event in FAILURES:
            bridge.on_ami(event, self.failed, where=("Service", "AMI"))
        bridge.on_ami("SuccessfulAuth", self.succeeded, where=("Service", "AMI"))

    async def succeeded(self, event: Event) -> None:
        """Note where an application's AMI user logged in from (the bridge's own user and
        any name without an open grant are not a door's)."""
        if event.get("Service") != "AMI":
            return
        address = remote_address(str(event.get("RemoteAddress", "")))
        account = str(event.get("AccountID", ""))[:64]
        await asyncio.to_thread(self._note, account, address)

    def _note(self, account: str, address: str) -> None:
        with self.app.engine.connect() as conn:
            try:
                grant = grants.open_by_name(conn, "ami", account)
            except NotFoundError:
                return
        note_use(self.app.engine, grant.id, "ami", account, address)

    async def failed(self, event: Event) -> None:
        """Record and count one failure."""
        if event.get("Service") != "AMI":
            return
        address = remote_address(str(event.get("RemoteAddress", "")))
        account = str(event.get("AccountID", ""))[:64]
        why = FAILURES.get(str(event.get("Event")), "failed")
        log.warning("ami.login_failed", extra=fields(address=address, account=account, why=why))
        verdict = self.counter.seen(address, account)
        if verdict is None:
            return
        win = self.counter.windows[address]
        details = {"address": address, "account": account, "why": why, "count": win.count,
                   "window_s": int(WINDOW_S)}
        command = "ami login failed" if verdict == "first" else "ami login failures"
        await asyncio.to_thread(self.app.record, command, details, "refused",
                                actor="asterisk security events")
        if verdict == "burst":
            bus.publish("auth_failures", key=address, service="AMI", address=address,
                        account=",".join(sorted(win.accounts))[:200])

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        """Nothing to reconcile: Asterisk keeps no record of failed logins."""

    async def close(self) -> None:
        """Nothing to release."""
