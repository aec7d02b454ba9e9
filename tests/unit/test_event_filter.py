"""Which AMI filters the bridge asks for, from the handlers a dispatcher holds."""

from __future__ import annotations

from asterisk_bridge.bridge.capability import Event
from asterisk_bridge.bridge.dispatch import Dispatcher
from asterisk_bridge.bridge.eventfilter import (
    ANY,
    CORE_EVENTS,
    EVERY_EVENT,
    include_actions,
    wanted_names,
)


async def _noop(event: Event) -> None:
    pass


def test_dispatcher_wants_exact_names_or_everything() -> None:
    d = Dispatcher("ami")
    assert d.wanted() == frozenset()
    d.add("Cdr", _noop)
    d.add("Hangup", _noop)
    d.add("Hangup", _noop)
    assert d.wanted() == {"Cdr", "Hangup"}
    d.add(ANY, _noop)
    assert d.wanted() is None


def test_core_events_are_always_wanted() -> None:
    assert wanted_names(frozenset({"Cdr"})) == {"Cdr", *CORE_EVENTS}
    assert wanted_names(frozenset()) == CORE_EVENTS
    assert wanted_names(None) == {ANY}


def test_include_actions_match_names_exactly() -> None:
    actions = include_actions({"VarSet", "Hangup", ANY})
    assert [a["MatchCriteria"] for a in actions] == [
        EVERY_EVENT, "action(include),name(Hangup)", "action(include),name(VarSet)"]
    assert all(a["Action"] == "Filter" and a["Operation"] == "Add" for a in actions)
