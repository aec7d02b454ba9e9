"""Phone notifications: Asterisk calls the recipient and plays a short message for the event.

The bridge sends AMI ``Originate`` (synchronous: Asterisk answers once the callee answered or
the ring timed out) of the extension's channel (``[notifications] extension_channel``,
``PJSIP/{extension}`` by default) or of a number through the outbound context the admin names
(``number_channel``, e.g. ``Local/{number}@from-voco``), straight into ``Playback`` of Asterisk's
own sounds: a beep, then what happened (a voicemail, an authentication problem, something
wrong). Its CDR carries the account code ``voco-notify``, so the call is marked as a
notification. Unanswered or failed calls are retried ``call_attempts`` times in all.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any, Protocol

from asterisk_bridge.errors import VocoError
from asterisk_bridge.notifications.smtp import Outcome
from asterisk_bridge.notifications.templates import Text

ACCOUNT_CODE = "voco-notify"
_SOUNDS = {
    "voicemail": "beep&vm-youhave&vm-INBOX&vm-message",
    "missed_call": "beep&vm-youhave&vm-INBOX&vm-message",
    "auth_failures": "beep&auth-incorrect&auth-incorrect",
    "intrusion_blocked": "beep&auth-incorrect&auth-incorrect",
}
_DEFAULT_SOUND = "beep&tt-somethingwrong"
_DESTINATION = {"extension": re.compile(r"[0-9]{2,10}"), "number": re.compile(r"\+?[0-9]{1,32}")}


class Settings(Protocol):
    """The ``[notifications]`` settings a call uses."""

    extension_channel: str
    number_channel: str
    ring_s: int
    call_attempts: int
    call_pause_s: float


class Ami(Protocol):
    """The part of the bridge a call needs."""

    async def ami_action(self, action: Mapping[str, str], timeout: float = 10.0) -> Any:
        """Send one AMI action and return its response."""


def sounds(kind: str) -> str:
    """What the call plays for an event kind (Asterisk's own sounds, '&'-joined)."""
    return _SOUNDS.get(kind, _DEFAULT_SOUND)


class Caller:
    """Places notification calls through the bridge's AMI link."""

    def __init__(self, bridge: Ami, settings: Settings) -> None:
        self.bridge = bridge
        self.settings = settings

    def originate(self, kind: str, destination: str, event_kind: str) -> dict[str, str]:
        """The Originate action for one attempt (ValueError for a malformed destination)."""
        if not _DESTINATION[kind].fullmatch(destination):
            raise ValueError(f"a notification call needs a plain {kind}")
        template = (self.settings.extension_channel if kind == "extension"
                    else self.settings.number_channel)
        channel = template.replace("{extension}", destination).replace("{number}",
                                                                        destination)
        return {"Action": "Originate", "Channel": channel, "Application": "Playback",
                "Data": sounds(event_kind), "Timeout": str(self.settings.ring_s * 1000),
                "CallerID": "Voco <notify>", "Account": ACCOUNT_CODE, "Async": "false"}

    async def call(self, kind: str, destination: str, text: Text) -> Outcome:
        """Call until answered, at most ``call_attempts`` times."""
        try:
            action = self.originate(kind, destination, text.kind)
        except ValueError as exc:
            return Outcome(0, str(exc))
        if not action["Channel"]:
            return Outcome(0, "no channel for calls to numbers: set [notifications] "
                              "number_channel")
        error = ""
        attempts = max(1, self.settings.call_attempts)
        for attempt in range(1, attempts + 1):
            try:
                answer = await self.bridge.ami_action(action,
                                                      timeout=self.settings.ring_s + 15)
            except (VocoError, TimeoutError, OSError) as exc:
                error = f"the call could not be placed ({type(exc).__name__})"
            else:
                first = answer[0] if isinstance(answer, list) and answer else answer
                if str(_get(first, "Response")).lower() == "success":
                    return Outcome(attempt)
                error = f"not answered ({_get(first, 'Message') or 'no answer'})"
            if attempt < attempts:
                await asyncio.sleep(self.settings.call_pause_s)
        return Outcome(attempts, f"{error}; gave up after {attempts} calls")


def _get(message: Any, key: str) -> str:
    return str(message.get(key, "")) if hasattr(message, "get") else ""
