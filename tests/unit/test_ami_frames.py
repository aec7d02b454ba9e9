"""AMI framing on a transcript captured from the real sandbox Asterisk (see fixtures/ami)."""

from __future__ import annotations

import asyncio
import random
import re
from pathlib import Path

from asterisk_bridge.bridge.ami import AmiLink, _Manager, _Protocol
from asterisk_bridge.bridge.amiframes import FrameParser

TRANSCRIPT = Path(__file__).parents[1] / "fixtures" / "ami" / "call.raw"


def _chunks(data: bytes, sizes: list[int]) -> list[bytes]:
    out, i = [], 0
    while i < len(data):
        n = sizes[len(out) % len(sizes)]
        out.append(data[i:i + n])
        i += n
    return out


def _parse(chunks: list[bytes]) -> tuple[list[dict[str, object]], int]:
    parser = FrameParser()
    messages = [dict(m.items()) for chunk in chunks for m in parser.feed(chunk)]
    return messages, parser.malformed


def test_every_message_of_the_capture_is_parsed() -> None:
    data = TRANSCRIPT.read_bytes()
    messages, malformed = _parse([data])
    event_lines = len(re.findall(rb"(?m)^Event: ", data))
    assert sum(1 for m in messages if "Event" in m) == event_lines
    responses = [m for m in messages if "Event" not in m]
    assert [r["Response"] for r in responses] == ["Success", "Success"]  # Login, Originate
    assert malformed == 0


def test_a_message_after_an_extra_blank_line_is_intact() -> None:
    data = TRANSCRIPT.read_bytes()
    assert b"\r\n\r\n\r\nEvent: " in data, "the capture must hold Debian's extra-CRLF TestEvent"
    messages, _ = _parse([data])
    i = next(i for i, m in enumerate(messages) if m.get("State") == "MIXMONITOR_END")
    after = messages[i + 1]
    assert after["Event"] == "CEL"
    assert after["EventName"] == "APP_END"
    assert all(not key.startswith("\r") and key for key in after)


def test_chunking_does_not_change_the_result() -> None:
    data = TRANSCRIPT.read_bytes()
    whole, _ = _parse([data])
    rng = random.Random(7)
    for sizes in ([1], [3, 5], [1000], [rng.randint(1, 4000) for _ in range(50)]):
        assert _parse(_chunks(data, sizes))[0] == whole


def test_a_multibyte_character_split_across_reads_survives() -> None:
    data = TRANSCRIPT.read_bytes()
    messages, _ = _parse(_chunks(data, [1]))
    names = {m.get("CallerIDName") for m in messages if "CallerIDName" in m}
    assert "Alïce ☎" in names


def test_malformed_frames_are_skipped_and_counted() -> None:
    parser = FrameParser()
    got = parser.feed(b"no colon here\r\nnor here\r\n\r\n\r\n\r\nEvent: Hangup\r\n"
                      b"Channel: x\r\nbroken line\r\n\r\nEvent: Tail")
    assert [(m["Event"], m["Channel"]) for m in got] == [("Hangup", "x")]
    assert parser.malformed == 1
    assert [m["Event"] for m in parser.feed(b"\r\n\r\n")] == ["Tail"]


class _Transport(asyncio.Transport):
    def write(self, data: bytes | bytearray | memoryview) -> None:
        pass


def test_replayed_events_reach_the_sink_in_order() -> None:
    data = TRANSCRIPT.read_bytes()
    expected = [m.group(1).decode() for m in re.finditer(rb"(?m)^Event: (\w+)", data)]
    seen: list[str] = []

    async def replay() -> None:
        link = AmiLink("127.0.0.1", 5038, "voco", "not-used", lambda name, _e: seen.append(name))
        proto = _Protocol(_Manager(link, loop=asyncio.get_running_loop()))
        proto.connection_made(_Transport())
        for chunk in _chunks(data, [777]):
            proto.data_received(chunk)

    asyncio.run(replay())
    # With no action pending, even OriginateResponse (which carries an ActionID) is an event.
    assert seen == expected
