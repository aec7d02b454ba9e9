"""Steady pure tones cut out of a message before it is transcribed.

Voicemail often holds more than speech: a ringback or busy tone before the caller speaks, a
beep, a tone on the line. pocketsphinx normalises each utterance by its mean cepstrum, and
seconds of a sine wave drag that mean away from the speech: the words around it are lost. A
frame is tonal when one sinusoid predicts it (x[n] + x[n-2] = a·x[n-1], residual under 0.1 %
of its energy); a run of such frames at one frequency lasting TONE_MIN_S is a tone, and only such
runs are cut. Speech is not that steady for that long: nothing was cut from 46 espeak-ng sentences
in several voices (tests/unit/test_transcription.py keeps one); dual tones (DTMF) are not caught.
"""

from __future__ import annotations

from array import array

FRAME_S = 0.02
TONE_MIN_S = 0.3
RESIDUAL = 1e-3  # the fraction of a frame's energy one sinusoid leaves unexplained
STEADY = 0.002  # how far the predictor may move between frames (about 15 Hz at 425 Hz, 16 kHz)


def _fit(x: array[int]) -> tuple[float, float]:
    """(unexplained energy fraction, predictor coefficient a = 2·cos ω) of one frame."""
    num = den = energy = 0
    for i in range(2, len(x)):
        prev = x[i - 1]
        num += prev * (x[i] + x[i - 2])
        den += prev * prev
        energy += x[i] * x[i]
    if den == 0 or energy == 0:
        return 1.0, 0.0
    a = num / den
    residual = 0.0
    for i in range(2, len(x)):
        r = x[i] + x[i - 2] - a * x[i - 1]
        residual += r * r
    return residual / energy, a


def tone_runs(samples: array[int], rate: int) -> list[tuple[int, int]]:
    """(first, end) sample offsets of each steady tone in *samples* (16-bit mono at *rate*)."""
    frame = int(rate * FRAME_S)
    fits = [_fit(samples[k:k + frame]) for k in range(0, len(samples) - frame + 1, frame)]
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i in range(len(fits) + 1):
        tonal = i < len(fits) and fits[i][0] < RESIDUAL
        if start is not None and tonal and abs(fits[i][1] - fits[i - 1][1]) < STEADY:
            continue  # the tone goes on
        if start is not None and (i - start) * FRAME_S >= TONE_MIN_S:
            runs.append((start * frame, i * frame))
        start = i if tonal else None
    return runs


def strip_tones(pcm: bytes, rate: int) -> bytes:
    """*pcm* (native 16-bit mono at *rate*) without its steady tones."""
    samples = array("h", pcm)
    kept, last = array("h"), 0
    for first, end in tone_runs(samples, rate):
        kept.extend(samples[last:first])
        last = end
    kept.extend(samples[last:])
    return kept.tobytes()
