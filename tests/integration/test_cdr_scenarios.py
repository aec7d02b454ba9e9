"""Each call scenario on real Asterisk yields the calls and legs a person would expect, and the
stored figures match Asterisk's own Master.csv."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.cdr.calls import Call, group_calls, list_calls
from asterisk_bridge.cdr.query import CdrFilter
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.subjects.vault import SubjectVault
from tests.integration.cdr_support import (
    active_channels,
    asterisk_records,
    by_key,
    channels,
    make_app,
    originate,
    prepare,
    running_bridge,
    stored,
    wait_until,
)

pytestmark = pytest.mark.asterisk


@pytest.fixture(autouse=True)
def no_corrections(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """No honest call's AMI copy differs from Master.csv's: reconciliation corrects nothing."""
    with caplog.at_level(logging.WARNING, logger="asterisk_bridge.cdr.truth"):
        yield
    assert [r.getMessage() for r in caplog.get_records("call")
            if r.name == "asterisk_bridge.cdr.truth"] == []

COMPARED = ("linkedid", "src", "dst", "dcontext", "channel", "dstchannel", "lastapp",
            "disposition", "duration", "billsec", "amaflags", "node")


def _second(value: datetime | None) -> datetime | None:
    return value.replace(microsecond=0) if value is not None else None


async def _run(inst: Instance, tmp_path: Path, exten: str,
               during: Callable[[Bridge], Awaitable[None]] | None = None, talk: int = 1
               ) -> list[Call]:
    prepare(inst)
    app = make_app(tmp_path, inst, f"sqlite:///{tmp_path / 'store.db'}")
    async with running_bridge(app) as (bridge, _capture):
        await originate(inst, exten, talk=talk)
        if during is not None:
            await during(bridge)
        await wait_until(lambda: active_channels(inst) == 0, 60, "the call to end")
        truth = await asyncio.to_thread(asterisk_records, inst)
        await wait_until(lambda: len(stored(app.engine)) >= len(truth), 30,
                         "every CDR to be stored")
    rows = stored(app.engine, app.master_key)
    assert len(rows) == len(truth)  # nothing missing, nothing duplicated
    mine, theirs = by_key(rows), by_key(truth)
    assert mine.keys() == theirs.keys()
    for key, row in mine.items():
        for col in COMPARED:
            assert row[col] == theirs[key][col], (key, col)
        for col in ("start", "answer", "end"):
            assert _second(row[col]) == theirs[key][col], (key, col)
    calls = list_calls(app.engine, SubjectVault(app.master_key), CdrFilter())
    from_file = group_calls(truth)
    assert [c.disposition for c in calls] == [c.disposition for c in from_file]
    assert [len(c.legs) for c in calls] == [len(c.legs) for c in from_file]
    assert all(abs(c.duration - f.duration) <= 1 for c, f in zip(calls, from_file, strict=True))
    return calls


def _legs(call) -> list[tuple[str, str]]:
    return [(leg["dstchannel"].split("@")[0].removeprefix("Local/"), leg["disposition"])
            for leg in call.legs]


def test_plain_call(asterisk: Instance, tmp_path: Path) -> None:
    (call,) = asyncio.run(_run(asterisk, tmp_path, "plain"))
    assert call.disposition == "answered"
    assert _legs(call) == [("bob-n-1-1", "ANSWERED")]
    assert call.caller == "1001" and call.dialled == "plain"
    assert len(call.records) == 3  # plus the far halves of the two Local "phones"


def test_no_answer_is_missed(asterisk: Instance, tmp_path: Path) -> None:
    (call,) = asyncio.run(_run(asterisk, tmp_path, "noanswer"))
    assert call.disposition == "missed"
    assert _legs(call) == [("ring", "NO ANSWER")]
    assert call.talk == 0 and call.duration >= 2


def test_busy(asterisk: Instance, tmp_path: Path) -> None:
    (call,) = asyncio.run(_run(asterisk, tmp_path, "busy"))
    assert call.disposition == "busy"
    assert _legs(call) == [("busy", "BUSY")]


def test_forwarded_call(asterisk: Instance, tmp_path: Path) -> None:
    (call,) = asyncio.run(_run(asterisk, tmp_path, "fwd"))
    assert call.disposition == "answered"
    assert _legs(call) == [("ring", "NO ANSWER"), ("carol-n-1-2", "ANSWERED")]
    assert "carol" in call.answered_by
    assert call.wait >= 2  # rang at the first destination before the forward answered


def test_blind_transfer(asterisk: Instance, tmp_path: Path) -> None:
    async def transfer(bridge) -> None:
        def bob_up() -> bool:
            return any(c.startswith("Local/bob-n-1-8@phone-") and c.endswith(";1")
                       for c in channels(asterisk))
        await wait_until(bob_up, 30, "bob to answer")
        bob = next(c for c in channels(asterisk)
                   if c.startswith("Local/bob-n-1-8@phone-") and c.endswith(";1"))
        reply = await bridge.ami_action({"Action": "BlindTransfer", "Channel": bob,
                                         "Context": "cdrtest", "Exten": "carol"})
        assert reply.Response == "Success", reply

    (call,) = asyncio.run(_run(asterisk, tmp_path, "blind", transfer, talk=10))
    assert call.disposition == "answered"
    assert _legs(call) == [("bob-n-1-8", "ANSWERED"), ("carol-n-1-3", "ANSWERED")]
    assert call.talk == pytest.approx(call.duration, abs=1)  # connected the whole time


def test_attended_transfer(asterisk: Instance, tmp_path: Path) -> None:
    (call,) = asyncio.run(_run(asterisk, tmp_path, "attended", talk=10))
    assert call.disposition == "answered"
    legs = _legs(call)
    assert legs[0] == ("xferer", "ANSWERED")  # alice -> the transferer
    assert ("carol-n-1-10", "ANSWERED") in legs  # ... ends up with carol
    assert all(d == "ANSWERED" for _, d in legs)
    assert call.talk <= call.duration  # the consultation overlaps; counted once


def test_queue_call_with_several_agents_ringing(asterisk: Instance, tmp_path: Path
                                                      ) -> None:
    (call,) = asyncio.run(_run(asterisk, tmp_path, "queue", talk=8))  # one call, not one per agent
    assert call.disposition == "answered"  # not "missed" because two agents did not answer
    assert sorted(_legs(call)) == [("agent", "ANSWERED"), ("ring", "NO ANSWER"),
                                   ("ring2", "NO ANSWER")]
    assert "agent" in call.answered_by
