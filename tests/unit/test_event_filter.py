"""Which AMI filters the bridge asks for, from the handlers a dispatcher holds."""

from __future__ import annotations

from asterisk_bridge.bridge.capability import Event
from asterisk_bridge.bridge.dispatch import Dispatcher
from asterisk_bridge.bridge.eventfilter import (
    ANY,
    CORE_EVENTS,
    EVERY_EVENT,
    include_actions,
    matches,
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


def test_a_narrowed_handler_asks_only_for_its_header_value() -> None:
    d = Dispatcher("ami")
    d.add("VarSet", _noop, where=("Variable", "MIXMONITOR_FILENAME"))
    assert d.wanted() == {"VarSet:Variable=MIXMONITOR_FILENAME"}
    [action] = include_actions(d.wanted() or ())
    assert action["MatchCriteria"] == (
        "action(include),name(VarSet),header(Variable),method(exact)")
    assert action["Filter"] == "MIXMONITOR_FILENAME"
    d.add("VarSet", _noop)  # another handler wants every VarSet: the name wins
    assert d.wanted() == {"VarSet"}


def test_matches_follows_the_spec() -> None:
    spec = "VarSet:Variable=MIXMONITOR_FILENAME"
    assert matches(spec, "VarSet", "MIXMONITOR_FILENAME")
    assert not matches(spec, "VarSet", "READSTATUS")
    assert not matches(spec, "Hangup", None)
    assert matches("Hangup", "Hangup", None) and matches(ANY, "Cdr", None)
