"""The handler registry: routing by exact name and "*", ordering, and handler isolation."""

from __future__ import annotations

import asyncio
import logging

import pytest

from asterisk_bridge.bridge.capability import Event
from asterisk_bridge.bridge.dispatch import Dispatcher


def _ev(name: str, n: int = 0) -> Event:
    return {"Event": name, "N": n}


def test_exact_names_and_star() -> None:
    got: dict[str, list[str]] = {"new": [], "any": [], "hangup": []}

    async def main() -> None:
        d = Dispatcher("ami")

        async def new(e: Event) -> None:
            got["new"].append(e["Event"])

        async def anything(e: Event) -> None:
            got["any"].append(e["Event"])

        async def hangup(e: Event) -> None:
            got["hangup"].append(e["Event"])

        d.add("Newchannel", new)
        d.add("*", anything)
        d.start()
        d.add("Hangup", hangup)  # registering after start works too
        for name in ("Newchannel", "VarSet", "Hangup", "Newchannel"):
            d.dispatch(name, _ev(name))
        await d.close(5)

    asyncio.run(main())
    assert got == {"new": ["Newchannel", "Newchannel"],
                   "any": ["Newchannel", "VarSet", "Hangup", "Newchannel"],
                   "hangup": ["Hangup"]}


def test_a_failing_handler_is_logged_and_keeps_receiving(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[int] = []

    async def main() -> None:
        d = Dispatcher("ami")

        async def flaky(e: Event) -> None:
            if e["N"] == 1:
                raise RuntimeError("boom")
            seen.append(e["N"])

        d.add("Cdr", flaky)
        d.start()
        for n in range(3):
            d.dispatch("Cdr", _ev("Cdr", n))
        await d.close(5)

    with caplog.at_level(logging.ERROR, logger="voco.bridge"):
        asyncio.run(main())
    assert seen == [0, 2]
    failed = [r for r in caplog.records if r.getMessage() == "dispatch.handler_failed"]
    assert len(failed) == 1
    assert failed[0].voco_fields["event"] == "Cdr"  # type: ignore[attr-defined]
    assert failed[0].exc_info is not None


def test_a_stuck_handler_blocks_neither_others_nor_itself_forever(
        caplog: pytest.LogCaptureFixture) -> None:
    fast: list[int] = []
    slow: list[int] = []

    async def main() -> None:
        d = Dispatcher("ari", handler_timeout=0.2)
        release = asyncio.Event()

        async def stuck(e: Event) -> None:
            if e["N"] == 0:
                await release.wait()  # never set: hangs until the time limit
            slow.append(e["N"])

        async def quick(e: Event) -> None:
            fast.append(e["N"])

        d.add("StasisStart", stuck)
        d.add("StasisStart", quick)
        d.start()
        for n in range(3):
            d.dispatch("StasisStart", {"type": "StasisStart", "N": n})
        for _ in range(200):
            if fast == [0, 1, 2]:
                break
            await asyncio.sleep(0.01)
        assert fast == [0, 1, 2]
        assert slow == []  # still stuck on the first event
        await d.close(5)

    with caplog.at_level(logging.ERROR, logger="voco.bridge"):
        asyncio.run(main())
    assert slow == [1, 2]
    timeouts = [r for r in caplog.records if r.getMessage() == "dispatch.handler_timeout"]
    assert [r.voco_fields["event"] for r in timeouts] == ["StasisStart"]  # type: ignore[attr-defined]


def test_close_drains_what_is_queued() -> None:
    seen: list[int] = []

    async def main() -> None:
        d = Dispatcher("ami")

        async def handler(e: Event) -> None:
            await asyncio.sleep(0)
            seen.append(e["N"])

        d.add("*", handler)
        d.start()
        for n in range(500):
            d.dispatch("X", _ev("X", n))
        await d.close(10)

    asyncio.run(main())
    assert seen == list(range(500))
