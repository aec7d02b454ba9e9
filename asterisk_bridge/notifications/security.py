"""Counting authentication failures per source address from Asterisk's security events.

Asterisk reports every failed AMI login and SIP authentication as an AMI event of class
``security`` (``InvalidPassword``, ``ChallengeResponseFailed``, ``InvalidAccountID``,
``FailedACL``), each naming the remote address (``IPV4/UDP/203.0.113.7/5060``). A source that
fails ``threshold`` times within ``period_s`` seconds crosses the threshold: from then on each
failure is published (``auth_failures``, keyed by the address), which the notifier folds into
one message with a count, and is what intrusion response acts on.
"""

from __future__ import annotations

import ipaddress
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FAILURE_EVENTS = ("InvalidPassword", "ChallengeResponseFailed", "InvalidAccountID",
                  "FailedACL")
MAX_SOURCES = 10_000  # addresses tracked at once; the oldest is forgotten beyond that


@dataclass(frozen=True)
class Failure:
    """One failed attempt: the service (AMI, PJSIP), the address, the account tried."""

    service: str
    address: str
    account: str


def parse(event: Mapping[str, Any]) -> Failure | None:
    """The failure an AMI security event reports; None if it names no valid address."""
    if event.get("Event") not in FAILURE_EVENTS:
        return None
    parts = str(event.get("RemoteAddress", "")).split("/")
    if len(parts) < 3:
        return None
    try:
        address = str(ipaddress.ip_address(parts[2].strip("[]")))
    except ValueError:
        return None
    service = str(event.get("Service", "?"))[:16]
    account = str(event.get("AccountID", ""))[:64]
    return Failure(service, address, account)


class FailureCounter:
    """Sliding windows of failures per address."""

    def __init__(self, threshold: int, period_s: float) -> None:
        self.threshold = threshold
        self.period_s = period_s
        self._seen: dict[str, deque[float]] = {}

    def add(self, address: str, now: float | None = None) -> int | None:
        """Count one failure; returns the count in the window once it reached the threshold
        (None below it)."""
        now = time.monotonic() if now is None else now
        window = self._seen.pop(address, None) or deque()
        self._seen[address] = window  # most recent last (for forgetting the oldest)
        while window and window[0] <= now - self.period_s:
            window.popleft()
        window.append(now)
        if len(self._seen) > MAX_SOURCES:
            self._seen.pop(next(iter(self._seen)))
        return len(window) if len(window) >= self.threshold else None
