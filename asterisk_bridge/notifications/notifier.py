"""The notifier: hears the bus, folds storms into one message, applies the rules, sends.

Events of one kind and key are gathered for ``window_s`` seconds and then sent as one message
with a count; after a message, the next one for the same kind and key waits at least
``interval_s`` (a storm of a thousand failed logins is one message, then at most one every
``interval_s``). Each rule of the kind is then applied: its quiet hours, its recipient, its
channel. Every outcome is recorded as a fact in ``notifications_sent`` (kind, rule, recipient by
extension or subject id, attempts, outcome, what failed) and logged; the message itself exists
only in memory. Nothing pending survives a restart: at shutdown what is gathered is sent once,
without retries.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from asterisk_bridge.bridge.logs import fields, get_logger
from asterisk_bridge.context import App
from asterisk_bridge.errors import VocoError
from asterisk_bridge.notifications import rules, smtp, smtp_settings, templates
from asterisk_bridge.notifications.bus import Event
from asterisk_bridge.notifications.smtp import Outcome
from asterisk_bridge.notifications.templates import Text
from asterisk_bridge.provisioning import extensions
from asterisk_bridge.store.models.notifications import NotificationSent
from asterisk_bridge.subjects.vault import SubjectVault

log = get_logger("notifications")

PhoneCall = Callable[[str, str, Text], Awaitable[Outcome]]
"""``call(kind, destination, text)``: ``kind`` is ``extension`` or ``number``."""


@dataclass(frozen=True)
class Tuning:
    """How events are folded (seconds)."""

    window_s: float = 30.0
    interval_s: float = 600.0


@dataclass
class _Group:
    first: Event
    latest: Event
    count: int = 1
    handle: asyncio.TimerHandle | None = None


@dataclass
class Counters:
    """What ``status`` shows: how many notifications went out or failed, and the last failure."""

    sent: int = 0
    failed: int = 0
    last_failure: str = ""
    pending: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Notifier:
    """Folds events and delivers them according to the rules."""

    def __init__(self, app: App, tuning: Tuning = Tuning(), call: PhoneCall | None = None,
                 template_dir: Path | None = None, attempts: int = smtp.ATTEMPTS,
                 pauses: tuple[float, ...] = smtp.PAUSES) -> None:
        self.app = app
        self.tuning = tuning
        self.call = call
        self.template_dir = template_dir
        self.attempts, self.pauses = attempts, pauses
        self.counters = Counters()
        self._groups: dict[tuple[str, str, str | None], _Group] = {}
        self._last_sent: dict[tuple[str, str, str | None], float] = {}
        self._tasks: set[asyncio.Task[list[str]]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- hearing -----------------------------------------------------------------------------
    def start(self) -> None:
        """Bind to the running loop (events heard before are dropped: nothing is stored)."""
        self._loop = asyncio.get_running_loop()

    def hear(self, event: Event) -> None:
        """The bus subscriber: hand the event to the loop, from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._gather(event)
        else:
            loop.call_soon_threadsafe(self._gather, event)

    def _gather(self, event: Event) -> None:
        key = (event.kind, event.key, event.extension)
        group = self._groups.get(key)
        if group is not None:
            group.count += 1
            group.latest = event
            return
        assert self._loop is not None
        now = time.monotonic()
        due = max(now + self.tuning.window_s,
                  self._last_sent.get(key, -1e18) + self.tuning.interval_s)
        group = _Group(event, event)
        group.handle = self._loop.call_later(due - now, self._due, key)
        self._groups[key] = group
        self.counters.pending = len(self._groups)

    def _due(self, key: tuple[str, str, str | None]) -> None:
        group = self._groups.pop(key, None)
        self.counters.pending = len(self._groups)
        if group is None:
            return
        self._last_sent[key] = time.monotonic()
        task = asyncio.get_running_loop().create_task(self.deliver(group.latest, group.count))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Send what is gathered now, once each, and wait for deliveries under way."""
        self.attempts = 1
        for key, group in list(self._groups.items()):
            if group.handle is not None:
                group.handle.cancel()
            self._due(key)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._loop = None

    # --- delivering --------------------------------------------------------------------------
    async def deliver(self, event: Event, count: int = 1,
                      rule_id: int | None = None) -> list[str]:
        """Apply every rule of the event's kind (or only rule *rule_id*) now; returns the
        outcomes."""
        found = await asyncio.to_thread(self._rules, event.kind)
        if rule_id is not None:
            found = [r for r in found if r["id"] == rule_id]
        when = datetime.fromtimestamp(event.at, UTC)
        text = templates.render(event.kind, event.facts, count,
                                when.isoformat(timespec="seconds"), self.template_dir)
        outcomes = []
        for rule in found:
            try:
                outcomes.append(await self._apply(rule, event, count, text))
            except Exception:  # one rule's bug must not stop the others
                log.exception("notifications.rule_failed", extra=fields(rule=rule["id"]))
        return outcomes

    def _rules(self, kind: str) -> list[dict[str, Any]]:
        vault = SubjectVault(self.app.master_key)
        with self.app.engine.connect() as conn:
            out = []
            for row in rules.rules_for(conn, kind):
                rec = dict(row._mapping)
                rec["to"] = rules.recipient(conn, vault, row)
                out.append(rec)
            return out

    async def _apply(self, rule: dict[str, Any], event: Event, count: int, text: Text) -> str:
        extension = rule["extension"] if rule["target"] == "extension" else (
            event.extension if rule["target"] == "owner" else None)
        fact = {"rule_id": rule["id"], "channel": rule["channel"], "extension": extension,
                "recipient_subject": rule["recipient_subject"], "event": event.kind,
                "events": count}
        if rules.in_quiet_hours(rule["quiet_from"], rule["quiet_until"], datetime.now(UTC)):
            return await self._record(fact, Outcome(0, ""), "quiet")
        if rule["target"] in ("address", "number") and rule["to"] is None:
            return await self._record(fact, Outcome(0, "the recipient was erased"), "failed")
        if rule["target"] == "owner" and extension is None:
            return await self._record(fact, Outcome(0, "the event names no extension"),
                                      "failed")
        if rule["channel"] == "email":
            outcome = await self._email(rule, extension, text, event)
        else:
            outcome = await self._phone(rule, extension, text)
        return await self._record(fact, outcome, "sent" if outcome.ok else "failed")

    async def _email(self, rule: dict[str, Any], extension: str | None, text: Text,
                     event: Event) -> Outcome:
        door = await asyncio.to_thread(smtp_settings.door, self.app.engine, self.app.master_key)
        if door is None:
            return Outcome(0, "smtp is off: turn it on with 'voco smtp set'")
        address = rule["to"] if rule["target"] == "address" else None
        if extension is not None:
            address = await asyncio.to_thread(self._extension_email, extension)
            if not address:
                return Outcome(0, f"extension {extension} has no e-mail address")
        attachments: tuple[smtp.Attachment, ...] = ()
        if rule["attach_audio"]:
            attachments = await asyncio.to_thread(_voicemail_audio, self.app, event)
        msg = smtp.compose(door, str(address), text.subject, text.body, attachments)
        return await smtp.deliver(door, msg, self.attempts, self.pauses)

    def _extension_email(self, number: str) -> str:
        try:
            return extensions.get(self.app.engine, self.app.master_key, number).email
        except VocoError:  # removed meanwhile
            return ""

    async def _phone(self, rule: dict[str, Any], extension: str | None, text: Text) -> Outcome:
        if self.call is None:
            return Outcome(0, "phone notifications need the running bridge")
        if extension is not None:
            return await self.call("extension", extension, text)
        return await self.call("number", str(rule["to"]), text)

    async def _record(self, fact: dict[str, Any], outcome: Outcome, result: str) -> str:
        await asyncio.to_thread(self._store, fact, outcome, result)
        self.counters.by_outcome[result] = self.counters.by_outcome.get(result, 0) + 1
        if result == "sent":
            self.counters.sent += 1
            log.info("notifications.sent", extra=fields(
                event=fact["event"], rule=fact["rule_id"], channel=fact["channel"],
                events=fact["events"], attempts=outcome.attempts))
        elif result == "failed":
            self.counters.failed += 1
            self.counters.last_failure = outcome.error
            log.error("notifications.failed", extra=fields(
                event=fact["event"], rule=fact["rule_id"], channel=fact["channel"],
                events=fact["events"], attempts=outcome.attempts, error=outcome.error))
        return result

    def _store(self, fact: dict[str, Any], outcome: Outcome, result: str) -> None:
        try:
            with self.app.engine.begin() as conn:
                conn.execute(insert(NotificationSent).values(
                    at=_now_iso(), attempts=outcome.attempts, outcome=result,
                    error=outcome.error[:200], **fact))
        except Exception:  # the store is down: the log line above still says what happened
            log.exception("notifications.record_failed", extra=fields(
                event=fact["event"], rule=fact["rule_id"], outcome=result))


def _voicemail_audio(app: App, event: Event) -> tuple[smtp.Attachment, ...]:
    """The newest message of the event's mailbox, as a WAV attachment (only when the rule
    allows audio to leave the PBX)."""
    box, _, context = event.facts.get("mailbox", "").partition("@")
    spool = app.config.asterisk.ast_spool_dir
    if not spool or not box.isdigit() or not (context or "default").isidentifier():
        return ()
    inbox = Path(spool) / "voicemail" / (context or "default") / box / "INBOX"
    wavs = sorted(inbox.glob("msg*.wav"))
    if not wavs:
        return ()
    return (smtp.Attachment("voicemail.wav", "audio/wav", wavs[-1].read_bytes()),)
