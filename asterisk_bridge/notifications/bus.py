"""The in-process event bus: domains say what happened, the notifier decides who hears of it.

Publishing is one call, from any domain, in any process, sync or async code::

    from asterisk_bridge.notifications import bus
    bus.publish("auth_failures", key="203.0.113.7", service="AMI",
                address="203.0.113.7", account="alice")

``publish`` never blocks, never does I/O and never raises for a subscriber's failure: the
publisher's own work (a login check, a key rotation) must not depend on mail being up. It
validates the kind and the facts against :mod:`.events` (a ``ValueError`` there is a bug in the
publisher). ``key`` is what de-duplication groups by (the address of a login storm, the trunk,
the link); ``extension`` names the extension the event is about, for rules that notify its
owner. Events reach whatever subscribed in *this* process (the bridge's notifier); where
nothing subscribed they are counted and dropped: the bus stores nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from asterisk_bridge.bridge.logs import fields, get_logger
from asterisk_bridge.notifications.events import kind as event_kind

log = get_logger("notifications")
MAX_FACT_CHARS = 200


@dataclass(frozen=True)
class Event:
    """One thing that happened."""

    kind: str
    key: str = ""
    extension: str | None = None
    facts: Mapping[str, str] = field(default_factory=dict)
    at: float = field(default_factory=time.time)


Subscriber = Callable[[Event], None]
"""Called in the publisher's thread: it must only hand the event over (queue it), fast."""

_lock = threading.Lock()
_subscribers: list[Subscriber] = []
_unheard = 0


def subscribe(subscriber: Subscriber) -> Callable[[], None]:
    """Hear every event published from now on; returns the call that unsubscribes."""
    with _lock:
        _subscribers.append(subscriber)

    def unsubscribe() -> None:
        with _lock:
            if subscriber in _subscribers:
                _subscribers.remove(subscriber)

    return unsubscribe


def make_event(kind: str, *, key: str = "", extension: str | None = None,
               **facts: object) -> Event:
    """A validated event: a known kind, only its declared facts, each short and on one line."""
    known = event_kind(kind)
    unknown = set(facts) - set(known.facts)
    if unknown:
        raise ValueError(f"event {kind!r} has no fact(s) {', '.join(sorted(unknown))}; "
                         f"it carries {', '.join(known.facts)}")
    clean = {name: _one_line(value) for name, value in facts.items() if value is not None}
    return Event(kind, _one_line(key), extension, clean)


def _one_line(value: object) -> str:
    text = " ".join(str(value).split())
    return text[:MAX_FACT_CHARS]


def publish(kind: str, *, key: str = "", extension: str | None = None,
            **facts: object) -> int:
    """Tell every subscriber; returns how many heard it (0: none runs in this process)."""
    event = make_event(kind, key=key, extension=extension, **facts)
    return deliver(event)


def deliver(event: Event) -> int:
    """Hand an already made event to every subscriber."""
    global _unheard
    with _lock:
        targets = list(_subscribers)
        if not targets:
            _unheard += 1
    for subscriber in targets:
        try:
            subscriber(event)
        except Exception:  # a subscriber's bug must not break the publisher
            log.exception("notifications.subscriber_failed", extra=fields(kind=event.kind))
    return len(targets)


def unheard() -> int:
    """Events published in this process while nothing subscribed."""
    return _unheard
