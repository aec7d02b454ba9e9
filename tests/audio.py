"""Which test tones are audible when: a Goertzel detector over fixed windows of a WAV file.

The sandbox phones talk in tones (alice 500 Hz, bob 1200 Hz), so "is party X audible in this
span of the recording" becomes "is the tone's energy well above the window's noise".
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

ALICE_HZ = 500
BOB_HZ = 1200


def _goertzel_power(samples: list[int], rate: int, freq: float) -> float:
    coeff = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
    return s1 * s1 + s2 * s2 - coeff * s1 * s2


def read_pcm(path: Path) -> tuple[list[int], int]:
    """Mono 16-bit samples and the sample rate of a WAV file."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise ValueError(f"{path}: expected mono 16-bit PCM")
        data = w.readframes(w.getnframes())
        return list(struct.unpack(f"<{len(data) // 2}h", data)), w.getframerate()


def tones(samples: list[int], rate: int, window_s: float = 0.5,
          freqs: tuple[int, ...] = (ALICE_HZ, BOB_HZ)) -> list[set[int]]:
    """For each window, the frequencies whose amplitude is clearly present."""
    n = int(rate * window_s)
    result: list[set[int]] = []
    for start in range(0, len(samples) - n + 1, n):
        win = samples[start:start + n]
        present = set()
        for f in freqs:
            # amplitude estimate of a pure tone at f: 2*sqrt(power)/n
            amp = 2 * math.sqrt(max(_goertzel_power(win, rate, f), 0.0)) / n
            if amp > 300:
                present.add(f)
        result.append(present)
    return result


def file_tones(path: Path, window_s: float = 0.5,
               freqs: tuple[int, ...] = (ALICE_HZ, BOB_HZ)) -> list[set[int]]:
    """:func:`tones` of a WAV file."""
    samples, rate = read_pcm(path)
    return tones(samples, rate, window_s, freqs)


def describe(windows: list[set[int]]) -> str:
    """A compact timeline like ``500+1200 500+1200 sil ...`` for assertion messages."""
    return " ".join("+".join(str(f) for f in sorted(w)) or "sil" for w in windows)
