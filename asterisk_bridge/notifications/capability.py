"""The bridge capability that raises Asterisk's events on the bus and runs the notifier.

It turns ``MessageWaiting`` into ``voicemail`` (to the mailbox's owner); SIP security events
past the threshold into ``auth_failures`` (AMI login failures are the ``ami-logins``
capability's, :mod:`asterisk_bridge.amiusers.watch`); an unanswered CDR to an extension into
``missed_call``; a rejected trunk registration or an unreachable trunk into ``trunk_down``; a
link gap longer than the threshold into ``link_down`` (sent once the link is back); a full data
disk or RAM spool (checked every minute) into ``disk_full`` / ``spool_full``; hourly, grants
about to expire into ``grant_expiring`` and an operation log failing verification into
``oplog_verify_failed``. And it runs the :class:`Notifier` every domain's events reach.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from asterisk_bridge.bridge.capability import BridgeHandle, Event, Gap
from asterisk_bridge.context import App
from asterisk_bridge.errors import VocoError
from asterisk_bridge.notifications import bus, phone, pressure, watch
from asterisk_bridge.notifications.hosted import make_notifier
from asterisk_bridge.notifications.notifier import Tuning
from asterisk_bridge.notifications.security import FAILURE_EVENTS, FailureCounter, parse
from asterisk_bridge.voicemail.mwi import MWI_CONTEXT

PRESSURE_CHECK_S = 60.0
HOURLY = 60  # pressure checks between the hourly ones (grants, operation log)


class NotificationsCapability:
    """Raises events from Asterisk's and delivers every event by the rules."""

    name = "notifications"

    def __init__(self, app: App, tuning: Tuning | None = None) -> None:
        settings = app.config.notifications
        self.app = app
        self.settings = settings
        self.notifier = make_notifier(app, tuning)
        self.failures = FailureCounter(settings.auth_threshold, settings.auth_period_s)
        self._unsubscribe: Callable[[], None] | None = None
        self._new: dict[str, int] = {}
        self._watch: asyncio.Task[None] | None = None
        self._told: set[str] = set()  # hourly findings already published in this run

    def register(self, bridge: BridgeHandle) -> None:
        """Subscribe to the bus and to Asterisk's events."""
        self.notifier.call = phone.Caller(bridge, self.settings).call
        self.notifier.start()  # the bridge registers capabilities inside its running loop
        self._unsubscribe = bus.subscribe(self.notifier.hear)
        self._watch = asyncio.create_task(self._watch_pressure(), name="notifications:pressure")
        bridge.on_ami("MessageWaiting", self._message_waiting)
        for name in FAILURE_EVENTS:
            bridge.on_ami(name, self._security)
        bridge.on_ami("Cdr", self._cdr, where=("Disposition", "NO ANSWER"))
        bridge.on_ami("Registry", self._trunk)
        bridge.on_ami("ContactStatus", self._trunk)

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        """Report a link gap longer than the threshold, once the link is back."""
        if gap is not None:
            seconds = (gap.end - gap.start).total_seconds()
            if seconds >= self.settings.link_down_s:
                bus.publish("link_down", key=link, link=link, seconds=round(seconds))

    async def close(self) -> None:
        """Stop hearing; send what is gathered once."""
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await self.notifier.close()

    async def _watch_pressure(self, every_s: float = PRESSURE_CHECK_S) -> None:
        rounds = 0
        while True:
            if rounds % HOURLY == 0:
                await self.hourly()
            rounds += 1
            for found in await asyncio.to_thread(
                    pressure.check, self.app.config.data_dir,
                    self.app.config.asterisk.rec_spool_dir, self.settings.disk_full_percent,
                    self.settings.spool_full_percent):
                where = {"path": found.path} if found.kind == "disk_full" else {}
                bus.publish(found.kind, key=found.path, percent=found.percent, **where)
            await asyncio.sleep(every_s)

    async def _message_waiting(self, event: Event) -> None:
        left = voicemail_left(event, self._new)
        if left is not None:
            bus.publish("voicemail", key=left[0], extension=left[0].partition("@")[0],
                        mailbox=left[0], caller=left[1])

    async def hourly(self) -> None:
        """Grants about to expire, and the operation log's verification: each finding once."""
        try:
            found = await asyncio.to_thread(watch.expiring_grants, self.app)
            problem = await asyncio.to_thread(watch.oplog_problem, self.app)
        except VocoError:
            return  # the store is down: the next hour tries again
        for grant in found:
            if self._once(f"grant:{grant.id}"):
                bus.publish("grant_expiring", key=f"{grant.door}:{grant.name}",
                            door=grant.door, grant=grant.name, expires=grant.until)
        if problem is not None and self._once(f"oplog:{problem}"):
            bus.publish("oplog_verify_failed", key="oplog", problem=problem)

    def _once(self, finding: str) -> bool:
        if finding in self._told:
            return False
        self._told.add(finding)
        return True

    async def _cdr(self, event: Event) -> None:
        missed = missed_call(event)
        if missed is not None:
            bus.publish("missed_call", key=missed[0], extension=missed[0], caller=missed[1])

    async def _trunk(self, event: Event) -> None:
        down = trunk_down(event)
        if down is not None:
            bus.publish("trunk_down", key=down[0], trunk=down[0], status=down[1])

    async def _security(self, event: Event) -> None:
        failure = parse(event)
        if failure is None or failure.service == "AMI":  # AMI logins: the ami-logins watch
            return
        if self.failures.add(failure.address) is None:
            return
        bus.publish("auth_failures", key=f"{failure.service}/{failure.address}",
                    service=failure.service,
                    address=failure.address, account=failure.account)


def trunk_down(event: Event) -> tuple[str, str] | None:
    """``(trunk, status)`` when an outbound registration was rejected or failed (``Registry``,
    the trunk named by the registrar's address) or a trunk's contact became unreachable
    (``ContactStatus`` of endpoint ``trunk-NAME``); None for anything else."""
    if event.get("Event") == "Registry" and event.get("Status") in ("Rejected", "Failed"):
        return str(event.get("Domain", "?")), f"registration {str(event['Status']).lower()}"
    endpoint = str(event.get("EndpointName", ""))
    if (event.get("Event") == "ContactStatus" and event.get("ContactStatus") == "Unreachable"
            and endpoint.startswith("trunk-")):
        return endpoint.removeprefix("trunk-"), "unreachable"
    return None


def missed_call(event: Event) -> tuple[str, str] | None:
    """``(extension, caller)`` for a CDR of a call to an extension nobody answered."""
    destination = str(event.get("Destination", ""))
    if (event.get("Event") != "Cdr" or event.get("Disposition") != "NO ANSWER"
            or not destination.isdigit() or not 2 <= len(destination) <= 10):
        return None
    return destination, str(event.get("Source", ""))


def voicemail_left(event: Event, seen: dict[str, int]) -> tuple[str, str] | None:
    """``(mailbox, caller)`` when a ``MessageWaiting`` says a mailbox got a new message
    (*seen* holds each mailbox's last new-message count). The counts Voco itself publishes for
    phones (context ``voco``, :mod:`asterisk_bridge.voicemail.mwi`) are not messages left."""
    mailbox = str(event.get("Mailbox", ""))
    box, _, context = mailbox.partition("@")
    try:
        new = int(event.get("New", 0))
    except ValueError:
        return None
    if context == MWI_CONTEXT or not box.isdigit():
        return None
    before, seen[mailbox] = seen.get(mailbox, 0), new
    if new <= before:
        return None  # read, deleted, or a count already told
    return mailbox, str(event.get("CallerIDNum", ""))
