"""Test audio: synthesise tone WAVs and detect the sandbox phones' tones (Goertzel).

alice talks at 500 Hz, bob at 1200 Hz (dialplan_templates/sandbox_phones.conf.j2).
"""

from __future__ import annotations

import math
import struct
import wave
from io import BytesIO
from pathlib import Path

ALICE_HZ = 500
BOB_HZ = 1200
RATE = 8000


def tone_wav(path: Path, seconds: float, freq: float = ALICE_HZ, rate: int = RATE) -> None:
    """Write a mono 16-bit WAV of a sine tone (a one-second period repeated, so it is fast)."""
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


def samples(wav_bytes: bytes) -> tuple[list[int], int]:
    """The 16-bit mono samples of a WAV, and its rate."""
    with wave.open(BytesIO(wav_bytes), "rb") as w:
        rate, frames = w.getframerate(), w.readframes(w.getnframes())
    return list(struct.unpack(f"<{len(frames) // 2}h", frames)), rate


def goertzel(block: list[int], freq: float, rate: int) -> float:
    """Power of *freq* in *block*, normalised by the block length."""
    coeff = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for x in block:
        s1, s2 = x + coeff * s1 - s2, s1
    return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / len(block) ** 2


def tone_windows(wav_bytes: bytes, freq: float, window_s: float = 0.5,
                 threshold: float = 1e4) -> list[bool]:
    """For each window, whether *freq* is clearly present."""
    data, rate = samples(wav_bytes)
    size = int(rate * window_s)
    return [goertzel(data[i:i + size], freq, rate) > threshold
            for i in range(0, len(data) - size + 1, size)]


def has_both_parties(wav_bytes: bytes) -> bool:
    """Both the 500 Hz and the 1200 Hz tones are heard somewhere in the recording."""
    return any(tone_windows(wav_bytes, ALICE_HZ)) and any(tone_windows(wav_bytes, BOB_HZ))
