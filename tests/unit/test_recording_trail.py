"""A recording's trail: parsed like the UserEvent it mirrors, reconciled into evidence once."""

from __future__ import annotations

from pathlib import Path

from asterisk_bridge.context import App
from asterisk_bridge.recording import evidence, spool, trail

REC = "voco-1796051243_0-1796051246_2"
LINE = (f"Stage=stop|Leg=caller|Outcome=stopped|RecordingId={REC}|Detail=was=recording|"
        "At=2026-11-30T15:07:39.602Z|Channel=Local/callee@recphone-00000001;1|"
        "Linkedid=1796051243.0\n")


def test_a_trail_line_is_the_fact_its_user_event_reports() -> None:
    fact = evidence.from_trail_line(LINE)
    assert fact is not None
    assert (fact.event, fact.leg, fact.actor, fact.source, fact.outcome, fact.detail) == (
        "stop", "caller", "caller", "dtmf", "stopped", "was=recording")
    assert (fact.linkedid, fact.recording_id, fact.at) == (
        "1796051243.0", REC, "2026-11-30T15:07:39.602Z")
    assert fact.channel == "Local/callee@recphone-00000001;1"


def test_lines_that_are_not_markers_give_nothing() -> None:
    for bad in ("", "garbage", "Stage=bogus|Linkedid=1.0|At=x", "Stage=stop|Linkedid=1.0",
                "Stage=stop|At=x", "Stage=stop|Linkedid=1.0|At=x|junk"):
        assert evidence.from_trail_line(bad) is None, bad


def test_reconcile_stores_each_fact_once_and_leaves_a_torn_line(app: App,
                                                                 tmp_path: Path) -> None:
    path = tmp_path / f"{REC}.wav.trail"
    path.write_text(LINE + LINE.replace("Stage=stop", "Stage=end")[:40])
    assert trail.reconcile(app, path) == 1
    fact = evidence.from_trail_line(LINE)
    assert fact is not None and not evidence.record_once(app, fact)
    path.write_text(LINE + LINE.replace("Stage=stop", "Stage=end"))
    assert trail.reconcile(app, path) == 1
    assert [f["event"] for f in evidence.for_call(app, "1796051243.0")] == ["stop", "end"]
    assert trail.reconcile(app, tmp_path / "missing.trail") == 0


def test_strays_are_companions_whose_recording_is_gone(tmp_path: Path) -> None:
    wav = tmp_path / f"{REC}.wav"
    wav.write_bytes(b"")
    names = [".done", ".end1", ".held1", ".trail"]
    for suffix in names:
        (tmp_path / f"{REC}.wav{suffix}").write_text("1")
    other = tmp_path / "voco-1_0-2_0.wav.trail"
    other.write_text("")
    assert [p.name for p in spool.companions_of(wav)] == sorted(f"{REC}.wav{s}" for s in names)
    assert spool.strays(tmp_path) == [other]
    assert spool.uniqueid_of(other) == "2.0"
