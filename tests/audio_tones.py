"""Synthetic tone recordings for the store tests; detection is tests/audio.py's Goertzel.

alice talks at 500 Hz, bob at 1200 Hz (dialplan_templates/sandbox_phones.conf.j2).
"""

from __future__ import annotations

import math
import struct
import wave
from io import BytesIO
from pathlib import Path

from tests.audio import ALICE_HZ, BOB_HZ, tones

__all__ = ["ALICE_HZ", "BOB_HZ", "has_both_parties", "tone_sets", "tone_wav", "tone_windows"]
RATE = 8000


def tone_wav(path: Path, seconds: float, freq: float = ALICE_HZ, rate: int = RATE) -> None:
    """Write a mono 16-bit WAV of a sine tone (one second synthesised, then repeated)."""
    period = [int(8000 * math.sin(2 * math.pi * freq * i / rate)) for i in range(rate)]
    second = struct.pack(f"<{rate}h", *period)
    whole, rest = divmod(int(seconds * rate), rate)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        for _ in range(whole):
            w.writeframes(second)
        w.writeframes(second[: rest * 2])


def tone_sets(wav_bytes: bytes) -> list[set[int]]:
    with wave.open(BytesIO(wav_bytes), "rb") as w:
        rate, frames = w.getframerate(), w.readframes(w.getnframes())
    return tones(list(struct.unpack(f"<{len(frames) // 2}h", frames)), rate)


def tone_windows(wav_bytes: bytes, freq: int) -> list[bool]:
    """For each half-second window of a WAV (bytes), whether *freq* is clearly present."""
    return [freq in w for w in tone_sets(wav_bytes)]


def has_both_parties(wav_bytes: bytes) -> bool:
    """Both the 500 Hz and the 1200 Hz tones are heard somewhere in the recording."""
    heard = set().union(*tone_sets(wav_bytes))
    return {ALICE_HZ, BOB_HZ} <= heard
