"""The in-process bus: validated events, every subscriber told, a failing subscriber harmless."""

from __future__ import annotations

import pytest

from asterisk_bridge.notifications import bus
from asterisk_bridge.notifications.events import KINDS


def test_publish_reaches_every_subscriber_with_clean_facts() -> None:
    heard: list[bus.Event] = []
    stop = bus.subscribe(heard.append)
    try:
        n = bus.publish("auth_failures", key="203.0.113.7", service="AMI",
                        address="203.0.113.7", account="al\nice")
    finally:
        stop()
    assert n == 1
    [event] = heard
    assert event.kind == "auth_failures" and event.key == "203.0.113.7"
    assert event.facts == {"service": "AMI", "address": "203.0.113.7", "account": "al ice"}


def test_unknown_kind_or_fact_is_a_publisher_bug() -> None:
    with pytest.raises(ValueError, match="unknown event kind"):
        bus.publish("nope")
    with pytest.raises(ValueError, match="no fact"):
        bus.publish("voicemail", transcript="hello")


def test_failing_subscriber_does_not_break_the_publisher() -> None:
    heard: list[bus.Event] = []

    def broken(_event: bus.Event) -> None:
        raise RuntimeError("boom")

    stops = [bus.subscribe(broken), bus.subscribe(heard.append)]
    try:
        assert bus.publish("test", note="x") == 2
    finally:
        for stop in stops:
            stop()
    assert [e.kind for e in heard] == ["test"]


def test_nothing_subscribed_is_counted_not_stored() -> None:
    before = bus.unheard()
    assert bus.publish("key_rotated", key_id="abc") == 0
    assert bus.unheard() == before + 1


def test_facts_are_short_and_kinds_unique() -> None:
    event = bus.make_event("test", note="x" * 1000)
    assert len(event.facts["note"]) == bus.MAX_FACT_CHARS
    assert len({k.name for k in KINDS}) == len(KINDS)
