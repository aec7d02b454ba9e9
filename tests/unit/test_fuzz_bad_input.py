"""Property tests of what the bridge decodes from Asterisk: AMI frames and ARI events.

Whatever arrives (random bytes, any split into reads, repeated headers, huge values, bad UTF-8,
deep JSON), no exception escapes, the AMI buffer stays within its cap, the result does not
depend on how the stream was cut into reads, and panoramisk's action matching never fails on a
message the splitter produced. Bounded examples so ``make test`` stays quick.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asterisk_bridge.bridge.ami import AmiLink, _Manager, _Protocol
from asterisk_bridge.bridge.amiframes import SINGLE, FrameParser
from asterisk_bridge.bridge.ari import decode_event
from tests.unit.ami_replay import TRANSCRIPT

CAP = 512  # a small frame cap, so that examples cross it often
FUZZ = settings(max_examples=300, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

KEYS = st.sampled_from(["Event", "event", "EVENT", "Response", "ActionID", "actionid",
                        "CommandID", "Message", "EventList", "SubEvent", "ChanVariable",
                        "Output", "Channel", "Value", "Uniqueid", ""])
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n"),
               max_size=40)
VALUES = st.one_of(TEXT, st.builds(lambda c, n: c * n, st.sampled_from("xé☎"),
                                   st.integers(0, 3 * CAP)))
HEADERS = st.lists(st.tuples(KEYS, VALUES), max_size=12)
JUNK = st.binary(max_size=300).map(lambda b: b.replace(b"\r\n\r\n", b"\r\n"))


def frame(headers: list[tuple[str, str]]) -> bytes:
    return b"".join(f"{k}: {v}\r\n".encode() for k, v in headers) + b"\r\n"


def cut(data: bytes, points: list[int]) -> list[bytes]:
    """``data`` split at ``points`` (positions into it, in any order)."""
    edges = sorted({0, len(data), *(p % (len(data) + 1) for p in points)})
    return [data[a:b] for a, b in itertools.pairwise(edges)]


def parse(chunks: list[bytes]) -> tuple[list[dict[str, Any]], tuple[int, int, int]]:
    parser = FrameParser(max_frame=CAP)
    out: list[dict[str, Any]] = []
    for chunk in chunks:
        out.extend(dict(m.items()) for m in parser.feed(chunk))
        assert parser.buffered <= CAP + 3, "the buffer outgrew its cap"
    c = parser.counts
    return out, (c.malformed, c.oversize, c.repeated)


@FUZZ
@given(st.binary(max_size=4 * CAP), st.lists(st.integers(0, 4 * CAP), max_size=8))
def test_random_bytes_in_any_reads(data: bytes, points: list[int]) -> None:
    assert parse(cut(data, points)) == parse([data])


@FUZZ
@given(st.lists(st.one_of(HEADERS.map(frame), JUNK), max_size=8),
       st.lists(st.integers(0, 10 * CAP), max_size=10))
def test_frames_with_repeated_and_huge_headers(parts: list[bytes], points: list[int]) -> None:
    data = b"".join(parts)
    messages, counts = parse(cut(data, points))
    assert (messages, counts) == parse([data])
    for message in messages:
        for key, value in message.items():
            if key.lower() in SINGLE:
                assert isinstance(value, str), f"{key} must stay one string"
            else:
                assert isinstance(value, str) or (isinstance(value, list) and len(value) > 1)


@FUZZ
@given(HEADERS)
def test_headers_are_read_as_asterisk_means_them(headers: list[tuple[str, str]]) -> None:
    """First occurrence wins for the identifying headers; other repeats become a list."""
    (message,) = FrameParser().feed(b"Event: Probe\r\n" + frame(headers))
    expected: dict[str, list[str]] = {"event": ["Probe"]}
    for key, value in headers:
        if key:
            expected.setdefault(key.lower(), []).append(value)
    got = {k.lower(): v for k, v in message.items() if k != "content"}
    for low, values in expected.items():
        want = values[0] if low in SINGLE or len(values) == 1 else values
        assert got[low] == want, low


@FUZZ
@given(st.lists(st.one_of(HEADERS.map(frame), JUNK,
                          st.sampled_from([b"Response: Success\r\nActionID: a1\r\n\r\n",
                                           b"Response: Error\r\nActionID: a2\r\nMessage: x\r\n"
                                           b"Message: y\r\n\r\n",
                                           b"Event: Shutdown\r\n\r\n"])), max_size=10),
       st.lists(st.integers(0, 10 * CAP), max_size=6))
def test_the_protocol_survives_every_message(parts: list[bytes], points: list[int]) -> None:
    """Through the bridge's protocol, with actions waiting for answers: nothing raises, and
    panoramisk's action matching never fails on a message the splitter produced."""

    class Transport:
        def write(self, data: bytes) -> None:
            pass

        def close(self) -> None:
            pass

    async def run() -> int:
        link = AmiLink("127.0.0.1", 5038, "voco", "x", lambda *_: None)
        manager = _Manager(link, loop=asyncio.get_running_loop())
        proto = _Protocol(manager)
        proto.connection_made(Transport())  # type: ignore[arg-type]
        manager.protocol = proto
        for action_id in ("a1", "a2"):
            proto.send({"Action": "Ping", "ActionID": action_id})
        for chunk in cut(TRANSCRIPT.read_bytes()[:2000] + b"".join(parts), points):
            proto.data_received(chunk)
        return int(proto.failed)

    assert asyncio.run(run()) == 0


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


@FUZZ
@given(st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200),
    JSON.map(json.dumps),
    st.builds(lambda d: "[" * d + "]" * d, st.integers(1, 100_000)),
    st.builds(lambda n: '{"type": "X", "n": ' + "9" * n + "}", st.integers(1, 10_000)),
    st.builds(lambda t, b: json.dumps({"type": t}).encode() + b, JSON, st.binary(max_size=8)),
))
def test_ari_event_decoding_never_raises(raw: str | bytes) -> None:
    decoded = decode_event(raw)
    if decoded is not None:
        kind, event = decoded
        assert isinstance(kind, str) and isinstance(event, dict)
