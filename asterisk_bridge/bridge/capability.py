"""The contract between the bridge core and the features plugged into it.

The core owns the connections (AMI through panoramisk, ARI through our thin client), their
reconnection, and the record of connection gaps. A capability (CDR capture, recordings, ...)
subscribes to events and, after every (re)connect, reconciles whatever it may have missed from
Asterisk's own durable records: AMI has no replay.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

Event = Mapping[str, Any]
"""An AMI event (header -> value) or a decoded ARI event (JSON object)."""

EventHandler = Callable[[Event], Awaitable[None]]


@dataclass(frozen=True)
class Gap:
    """A span during which a link was down: events in it may never have been seen."""

    link: str  # "ami" | "ari"
    start: datetime  # UTC; last moment known up (or the previous run's last sign of life)
    end: datetime  # UTC; the moment the link came back


class BridgeHandle(Protocol):
    """What a capability may use of the running bridge."""

    node: str

    def on_ami(self, event_name: str, handler: EventHandler,
               where: tuple[str, str] | None = None) -> None:
        """Call ``handler`` for every AMI event named ``event_name`` (``"*"``: every event).

        ``where=(header, value)`` says the handler only cares for events whose header has that
        exact value: Asterisk is then asked to send no others. It is a hint for the session
        filter, not a guarantee (an unfiltered session sends everything): check it anyway."""

    def on_ari(self, event_type: str, handler: EventHandler) -> None:
        """Call ``handler`` for every ARI event of ``event_type`` (``"*"``: every event)."""

    async def ami_action(self, action: Mapping[str, str], timeout: float = 10.0) -> Any:
        """Send one AMI action and return its response (a list for multi-message answers)."""

    async def ari_request(self, method: str, path: str, **params: Any) -> Any:
        """Call ARI (``path`` relative to ``/ari``) and return the decoded JSON, if any."""


class Capability(Protocol):
    """A feature plugged into the bridge."""

    name: str

    def register(self, bridge: BridgeHandle) -> None:
        """Subscribe handlers; called once before the links connect."""

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        """Called after every (re)connect of ``link``, with the gap it just closed (None only
        on the very first start of a node). Reconcile from Asterisk's durable records here."""

    async def close(self) -> None:
        """Flush and release resources on shutdown."""
