"""Bad AMI input never ends a session: repeated identifying headers, frames without end.

The bytes are the real capture (fixtures/ami/call.raw) with the bad frame spliced in, sent over a
loopback socket to a real AmiLink, so socket, protocol, parser and action matching all run.
"""

from __future__ import annotations

import asyncio
import re
import tracemalloc
from typing import Any

from asterisk_bridge.bridge.ami import AmiLink, _Manager, _Protocol
from tests.polling import await_for
from tests.unit.ami_replay import TRANSCRIPT, ReplayServer

# What Asterisk sends for Action: UserEvent with an "Event: Cdr" header among its fields (the
# action's headers are copied into the event body after Asterisk's own Event line).
FORGED = (b"Event: UserEvent\r\nPrivilege: user,all\r\nUserEvent: VocoTest\r\nEvent: Cdr\r\n"
          b"ChanVariable: A=1\r\nChanVariable: B=2\r\nchanvariable: C=3\r\n\r\n")
MiB = 1024 * 1024


def _events(data: bytes) -> list[str]:
    return [m.group(1).decode() for m in re.finditer(rb"(?m)^Event: (\w+)", data)]


def _splice(extra: bytes) -> bytes:
    """The capture with ``extra`` inserted between two of its frames, halfway through."""
    data = TRANSCRIPT.read_bytes()
    cut = data.index(b"\r\n\r\n", len(data) // 2) + 4
    return data[:cut] + extra + data[cut:]


async def _replay(payload: bytes, expected: list[str], ping_extra: bytes = b"",
                  chunk: int = 4096
                  ) -> tuple[AmiLink, list[tuple[str, Any]], list[tuple[float, int, str]]]:
    seen: list[tuple[str, Any]] = []
    losses: list[tuple[float, int, str]] = []
    async with ReplayServer(ping_extra).running() as server:
        link = AmiLink("127.0.0.1", server.port, "voco", "x",
                       lambda name, event: seen.append((name, event)),
                       on_loss=lambda since, n, why: losses.append((since, n, why)))
        await link.connect()
        try:
            await server.send(payload, chunk)
            await await_for(lambda: len(seen) >= len(expected) or not link.is_up,
                            "the replayed events")
            assert link.is_up, "the session ended"
            await link.probe(10)  # the session still answers actions
            assert link.is_up
        finally:
            link.close()
    assert [name for name, _ in seen] == expected
    return link, seen, losses


def test_a_repeated_event_header_neither_kills_the_session_nor_forges_an_event() -> None:
    expected = _events(_splice(b"Event: UserEvent\r\n\r\n"))
    link, seen, _ = asyncio.run(_replay(_splice(FORGED), expected))
    (forged,) = [e for name, e in seen if name == "UserEvent"]
    assert forged["Event"] == "UserEvent"  # Asterisk's own line, not the body's
    assert forged["ChanVariable"] == ["A=1", "B=2", "C=3"]  # repeated headers kept, in order
    assert link.frames.repeated == 1


def test_an_answer_with_a_repeated_action_id_is_matched() -> None:
    data = TRANSCRIPT.read_bytes()
    link, _, _ = asyncio.run(_replay(data, _events(data),
                                     ping_extra=b"ActionID: someone-else\r\n"))
    assert link.frames.repeated == 1  # the probe was answered, by its first ActionID


def test_a_frame_without_end_is_dropped_in_bounded_memory_and_the_session_survives() -> None:
    junk = b"Event: Flood\r\nValue: " + b"x" * (32 * MiB)
    payload = _splice(junk + b"\r\n\r\n")
    link, _, losses = asyncio.run(  # the Flood event is dropped, every other one arrives
        _replay(payload, _events(TRANSCRIPT.read_bytes()), chunk=256 * 1024))
    assert link.frames.oversize == 1
    assert len(losses) == 1 and losses[0][1] == 1  # the bridge is told, to record a gap


class _Transport:
    def write(self, data: bytes) -> None:
        pass


def test_the_buffer_never_holds_more_than_one_frame_cap_plus_one_read() -> None:
    """32 MiB with no frame end, fed read by read: memory stays bounded all along."""
    counted: list[int] = []

    async def feed() -> int:
        link = AmiLink("127.0.0.1", 5038, "voco", "x", lambda *_: None,
                       on_loss=lambda _s, n, _w: counted.append(n))
        proto = _Protocol(_Manager(link, loop=asyncio.get_running_loop()))
        proto.connection_made(_Transport())  # type: ignore[arg-type]
        read = b"y" * (64 * 1024)
        tracemalloc.start()
        try:
            proto.data_received(b"Event: Flood\r\nValue: ")
            for _ in range(32 * MiB // len(read)):
                proto.data_received(read)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        proto.data_received(b"\r\n\r\n" + TRANSCRIPT.read_bytes())
        return peak

    peak = asyncio.run(feed())
    assert peak < 4 * MiB, f"{peak / MiB:.1f} MiB buffered for a frame that never ends"
    assert counted == [1]
