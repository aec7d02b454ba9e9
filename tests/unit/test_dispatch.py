"""The handler registry: routing by exact name and "*", ordering, and handler isolation."""

from __future__ import annotations

import asyncio
import logging

import pytest

from asterisk_bridge.bridge.capability import Event
from asterisk_bridge.bridge.dispatch import MAX_BACKLOG, Dispatcher, Shed
from tests.polling import await_for


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


class _Counted(dict[str, object]):
    """An event that counts how many of its kind are alive: the memory the queues hold."""

    alive = 0
    peak = 0

    def __init__(self, name: str, n: int) -> None:
        super().__init__(Event=name, N=n)
        _Counted.alive += 1
        _Counted.peak = max(_Counted.peak, _Counted.alive)

    def __del__(self) -> None:
        _Counted.alive -= 1


def test_a_flood_stays_within_the_bound_and_each_handler_sheds_on_its_own() -> None:
    """200,000 events at a stuck handler: its queue holds at most MAX_BACKLOG, the rest are
    dropped, counted and freed; a quick handler of the same events loses nothing."""
    flood, per_read = 200_000, 1000
    quick: list[int] = []

    async def main() -> tuple[int, int]:
        d = Dispatcher("ami", handler_timeout=3600)
        release = asyncio.Event()

        async def stuck(_e: Event) -> None:
            await release.wait()

        async def fast(e: Event) -> None:
            quick.append(int(e["N"]))

        d.add("VarSet", stuck)
        d.add("*", fast)
        d.start()
        for n in range(flood):
            d.dispatch("VarSet", _Counted("VarSet", n))
            if n % per_read == per_read - 1:
                await asyncio.sleep(0)  # the socket reader yields between reads
        backlog, dropped = d.backlog(), d.dropped()
        release.set()
        await d.close(60)
        return backlog, dropped

    backlog, dropped = asyncio.run(main())
    assert backlog <= MAX_BACKLOG
    assert dropped == flood - 1 - MAX_BACKLOG  # the stuck handler took one, queued the bound
    assert quick == list(range(flood))
    assert _Counted.peak <= MAX_BACKLOG + 2 * per_read  # nothing else was kept alive


def test_a_shed_episode_is_reported_once_when_the_handler_has_caught_up(
        caplog: pytest.LogCaptureFixture) -> None:
    sheds: list[Shed] = []
    seen: list[int] = []

    async def main() -> None:
        d = Dispatcher("ami", max_backlog=10, on_shed=sheds.append)
        gate = asyncio.Event()

        async def slow(e: Event) -> None:
            await gate.wait()
            seen.append(e["N"])

        d.add("Cdr", slow)
        d.start()
        for n in range(100):
            d.dispatch("Cdr", _ev("Cdr", n))
        await asyncio.sleep(0)
        assert sheds == []  # still behind: the episode is open
        gate.set()
        await await_for(lambda: sheds, "the shed report")
        d.dispatch("Cdr", _ev("Cdr", 100))  # accepted again
        await d.close(10)

    with caplog.at_level(logging.WARNING, logger="voco.bridge"):
        asyncio.run(main())
    (shed,) = sheds
    assert (shed.link, shed.dropped) == ("ami", 100 - 10)  # dispatched before the handler ran
    assert shed.since <= shed.until
    assert seen == [*range(10), 100]
    messages = [r.getMessage() for r in caplog.records]
    assert messages.count("dispatch.queue_full") == 1 and messages.count("dispatch.shed") == 1
