"""Just enough RIFF/WAV to measure a recording and mend the header of a partial one.

Asterisk writes the RIFF and data sizes when it closes the file, so a recording cut short by an
Asterisk crash has a header that claims no audio. The audio itself is intact PCM; rewriting the
two size fields from the real length makes it playable again.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

HEADER_PROBE = 4096  # Asterisk's header is 44 bytes; allow for extra chunks before "data"


@dataclass(frozen=True)
class WavLayout:
    """Where the audio starts and how many bytes make one second of it."""

    data_offset: int
    byte_rate: int


def layout(head: bytes) -> WavLayout | None:
    """Parse the chunk list at the start of a WAV; None if it is not a PCM WAV we can read."""
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    pos, byte_rate = 12, 0
    while pos + 8 <= len(head):
        chunk_id, chunk_size = head[pos:pos + 4], struct.unpack_from("<I", head, pos + 4)[0]
        if chunk_id == b"fmt " and pos + 16 <= len(head):
            byte_rate = struct.unpack_from("<I", head, pos + 16)[0]
        if chunk_id == b"data":
            return WavLayout(pos + 8, byte_rate) if byte_rate else None
        pos += 8 + chunk_size + (chunk_size & 1)
    return None


def read_layout(fh: BinaryIO) -> WavLayout | None:
    """:func:`layout` of an open file, leaving its position at the start."""
    fh.seek(0)
    head = fh.read(HEADER_PROBE)
    fh.seek(0)
    return layout(head)


def duration_s(lay: WavLayout | None, total_size: int) -> float:
    """Audio length from the file size (the header's own sizes may be stale)."""
    if lay is None or total_size <= lay.data_offset:
        return 0.0
    return (total_size - lay.data_offset) / lay.byte_rate


def mend_header(head: bytes, total_size: int) -> bytes:
    """*head* (the file's first bytes) with RIFF and data sizes matching *total_size*."""
    lay = layout(head)
    if lay is None or len(head) < lay.data_offset:
        return head
    fixed = bytearray(head)
    struct.pack_into("<I", fixed, 4, total_size - 8)
    struct.pack_into("<I", fixed, lay.data_offset - 4, total_size - lay.data_offset)
    return bytes(fixed)
