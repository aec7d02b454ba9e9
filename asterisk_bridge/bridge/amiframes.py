"""Splitting AMI's byte stream into messages, defensively and in linear time.

AMI is a text protocol: a message is ``Key: Value`` lines ending in CRLF, closed by an empty
line. This splitter replaces panoramisk's (which re-splits its whole tail on every read,
quadratic when a frame never ends, and whose messages crash panoramisk when a header it reads
as a string is repeated). What it guarantees:

- **Bounded memory.** A frame longer than :data:`MAX_FRAME_BYTES` is dropped and counted, at
  the latest when the buffer passes that size: the rest of it is skipped up to the next frame
  end, where parsing resynchronises. The buffer never holds more than the cap plus one read.
- **Linear time.** Each byte is searched for a frame end once, and decoded once.
- **Any bytes are fine.** Frames are split on bytes (a multibyte character can never contain
  CRLF), then decoded as UTF-8 with replacement characters.
- **Repeated headers** (legal: ``ChanVariable``, ``Output``, a UserEvent's own fields) become
  lists, in order. The headers that identify a message (:data:`SINGLE`) stay one string: the
  first occurrence wins, because Asterisk writes its own ``Event``/``Response`` first and
  anything repeated later comes from an event's body (a dialplan ``UserEvent`` can add an
  ``Event:`` line): honouring it would let a dialplan forge, say, a ``Cdr`` event.
- Messages that start with blank lines (Debian's TestEvent leaves an extra CRLF) are intact;
  frames that are neither an event nor a response are skipped and counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from panoramisk.message import Message

FRAME_END = b"\r\n\r\n"
MAX_FRAME_BYTES = 1024 * 1024
"""The largest frame kept: ~2,000 times a Cdr event (≈570 B), far above any event or answer
the bridge asks for; larger ones are dropped (a bug or abuse, never a frame the bridge needs)."""

SINGLE = frozenset({"event", "response", "actionid", "commandid", "message", "eventlist",
                    "subevent"})
"""Headers panoramisk's action matching and the bridge's routing read as one string."""


@dataclass
class FrameCounts:
    """What the splitter dropped or doubted, summed over every connection of a link."""

    malformed: int = 0  # neither an event nor a response: skipped
    oversize: int = 0  # longer than the cap: dropped
    repeated: int = 0  # an identifying header repeated: the first one was kept


class FrameParser:
    """One connection's splitter; ``feed`` it every read, in order."""

    def __init__(self, max_frame: int = MAX_FRAME_BYTES,
                 counts: FrameCounts | None = None) -> None:
        self.max_frame = max_frame
        self.counts = counts if counts is not None else FrameCounts()
        self._buf = bytearray()
        self._scan = 0  # where the next search for a frame end starts
        self._skipping = False  # inside a frame already dropped as oversize

    @property
    def buffered(self) -> int:
        """Bytes held for a frame not complete yet (at most the cap plus one read)."""
        return len(self._buf)

    @property
    def malformed(self) -> int:
        """Frames skipped because they were neither an event nor a response."""
        return self.counts.malformed

    def feed(self, data: bytes) -> list[Message]:
        """Every complete message in ``data`` plus what was buffered before it. Never raises
        on any input."""
        buf = self._buf
        buf += data
        messages: list[Message] = []
        start, scan = 0, self._scan
        while (end := buf.find(FRAME_END, scan)) >= 0:
            if self._skipping:
                self._skipping = False  # the dropped frame ends here
            elif end - start > self.max_frame:
                self.counts.oversize += 1
            else:
                message = self._message(buf[start:end].decode("utf-8", "replace"))
                if message is not None:
                    messages.append(message)
            start = scan = end + len(FRAME_END)
        del buf[:start]
        keep = len(FRAME_END) - 1  # a frame end may straddle this read and the next
        if len(buf) > self.max_frame + keep:
            if not self._skipping:
                self.counts.oversize += 1
                self._skipping = True
            del buf[:-keep]
        self._scan = max(0, len(buf) - keep)
        return messages

    def _message(self, text: str) -> Message | None:
        text = text.strip("\r\n")
        if not text:
            return None
        headers: dict[str, str | list[str]] = {}
        spelled: dict[str, str] = {}  # lower-case name -> the first spelling seen
        repeated = False
        for line in text.split("\r\n"):
            key, sep, value = line.partition(": ")
            if not sep or not key:
                continue
            low = key.lower()
            first = spelled.get(low)
            if first is None:
                spelled[low] = key
                headers[key] = value
            elif low in SINGLE:
                repeated = repeated or headers[first] != value
            else:
                old = headers[first]
                if isinstance(old, list):
                    old.append(value)
                else:
                    headers[first] = [old, value]
        if "event" not in spelled and "response" not in spelled:
            self.counts.malformed += 1
            return None
        if repeated:
            self.counts.repeated += 1
        return Message(headers)
