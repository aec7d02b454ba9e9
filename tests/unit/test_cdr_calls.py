"""Grouping legs into calls, on Master.csv records the sandbox Asterisk wrote."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from asterisk_bridge.cdr import csvsource
from asterisk_bridge.cdr.calls import group_calls
from asterisk_bridge.cdr.rows import Row

DATA = Path(__file__).parent / "data"


def _records(name: str, node: str = "node1") -> list[Row]:
    return csvsource.read_records(DATA / name, node).rows


def test_attended_transfer_is_one_answered_call_with_talk_counted_once() -> None:
    (call,) = group_calls(_records("cdr_attended_transfer.csv"))
    assert call.disposition == "answered"
    assert len(call.records) == 9
    assert call.duration == 13  # 01:26:30 .. 01:26:43
    assert call.talk == 13  # alice-xferer, the consultation and alice-carol overlap
    assert call.caller == "1001" and call.dialled == "atx"
    assert "xferer" in call.answered_by


def test_queue_ringall_is_one_answered_call_not_missed_not_duplicated() -> None:
    (call,) = group_calls(_records("cdr_queue_ringall.csv"))
    assert call.disposition == "answered"
    assert sorted(leg["disposition"] for leg in call.legs) == ["ANSWERED", "NO ANSWER"]
    assert "slowagent" in call.answered_by


def test_no_answer_is_missed_even_though_the_caller_channel_was_up() -> None:
    (call,) = group_calls(_records("cdr_no_answer.csv"))
    assert call.disposition == "missed"  # the 'Hangup' tail record is ANSWERED: not a leg
    assert (call.talk, call.wait) == (0, 0)


def test_linked_by_a_shared_channel_across_linkedids() -> None:
    recs = _records("cdr_attended_transfer.csv")
    consult = {"1795915595.5", "1795915595.4", "1795915595.7"}
    for r in recs:  # as if the consultation call had its own linkedid
        if r["uniqueid"] in consult or r["channel"].startswith("Local/xferer@cdrphone-00000001;1"):
            r["linkedid"] = "9999.1"
    assert len(group_calls(recs)) == 1


def test_reused_channel_names_days_apart_do_not_merge_calls() -> None:
    first = _records("cdr_no_answer.csv")
    later = _records("cdr_no_answer.csv")
    for r in later:  # Asterisk restarted: counters (channel names) start over
        r["linkedid"] = "1795999999.0"
        r["uniqueid"] += "x"
        for key in ("start", "answer", "end"):
            if r[key]:
                r[key] += timedelta(days=2)
    calls = group_calls(first + later)
    assert len(calls) == 2 and all(c.disposition == "missed" for c in calls)


def test_same_linkedid_on_two_nodes_is_two_calls() -> None:
    calls = group_calls(_records("cdr_no_answer.csv", "a") + _records("cdr_no_answer.csv", "b"))
    assert sorted(c.node for c in calls) == ["a", "b"]


def _crossing(marks: dict[str, str]) -> list[Row]:
    """The same call recorded on nodes a, b, c, one second apart; node n's records carry the
    accountcode ``marks[n]`` (what a Voco peer trunk's dialplan sets)."""
    out = []
    for i, node in enumerate(("a", "b", "c")):
        for r in _records("cdr_no_answer.csv", node):
            for key in ("start", "answer", "end"):
                if r[key]:
                    r[key] += timedelta(seconds=i)
            r["accountcode"] = marks.get(node, "")
            out.append(r)
    return out


def test_a_call_across_voco_peer_trunks_is_one_call_on_every_node_it_crossed() -> None:
    (call,) = group_calls(_crossing({"b": "voco:a/1795915404.0", "c": "voco:b/1795915404.0"}))
    assert call.node == "a" and call.nodes == ["a", "b", "c"]
    assert {leg["node"] for leg in call.summary()["legs"]} == {"a", "b", "c"}
    assert call.summary()["nodes"] == ["a", "b", "c"]


def test_an_accountcode_of_another_shape_or_naming_no_stored_call_links_nothing() -> None:
    for mark in ("voco:a/1795915404.0;x", "voco:a/1795915404.0,b", "voco:z/1795915404.0",
                 "a/1795915404.0", "voco:a/", "voco:/1795915404.0", " voco:a/1795915404.0"):
        calls = group_calls(_crossing({"b": mark}))
        assert sorted(c.node for c in calls) == ["a", "b", "c"], mark
        assert all(len(c.nodes) == 1 for c in calls)


def test_across_nodes_the_origin_follows_the_marks_not_the_clocks() -> None:
    recs = _crossing({"b": "voco:a/1795915404.0"})
    for r in recs:
        if r["node"] == "b":  # node B's clock is 5 s behind node A's
            for key in ("start", "answer", "end"):
                if r[key]:
                    r[key] -= timedelta(seconds=5)
    joined = [c for c in group_calls(recs) if len(c.nodes) > 1]
    assert [(c.node, c.call_id, c.nodes) for c in joined] == [
        ("a", "1795915404.0", ["a", "b"])]


def test_across_nodes_the_answering_party_is_the_one_on_the_furthest_node() -> None:
    a = _records("cdr_attended_transfer.csv", "a")
    b = _records("cdr_queue_ringall.csv", "b")
    for r in b:
        r["accountcode"] = f"voco:a/{a[0]['linkedid']}"
    (call,) = group_calls(a + b)
    assert call.nodes == ["a", "b"] and call.node == "a"
    assert "slowagent" in call.answered_by  # b's agent, not a's party
