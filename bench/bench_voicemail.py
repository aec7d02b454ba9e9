"""Voicemail: offline transcription speed and accuracy, and how long a message's plaintext
lives after the hang-up. Each figure comes with a baseline measured in the same run.

Usage: .venv/bin/python bench/bench_voicemail.py [--repeat 1]

- Transcription, pinned to one core: pocketsphinx's real-time factor (processing seconds per
  second of audio) on a fixed set of espeak-ng sentences stored as voicemail holds them (8 kHz),
  against the baseline of merely resampling them to 16 kHz with sox (the engine's first step);
  and the word error rate of the same sentences at 8 kHz (telephone) and 16 kHz (wideband).
- Hang-up to sealed: from a message appearing in the RAM spool (what app_voicemail does at
  hang-up) to "encrypted, registered, plaintext gone" by one sweep, against copying the same
  WAV and fsyncing it (the least any durable store costs). The bridge starts that sweep on
  Asterisk's MessageWaiting event, so this is the whole delay but the event's delivery.

Rewrites the "## Voicemail" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchdoc import replace_section

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from asterisk_bridge.context import App  # noqa: E402
from asterisk_bridge.services.init import initialise  # noqa: E402
from asterisk_bridge.voicemail import sweep  # noqa: E402
from asterisk_bridge.voicemail.transcribe.offline import OfflineEngine, to_16k_pcm  # noqa: E402
from tests.integration.voicemail_support import seconds, speak  # noqa: E402
from tests.unit.voicemail_support import leave  # noqa: E402

SECTION = "## Voicemail"
SENTENCES = (
    "please call me back tomorrow morning",
    "the meeting is at ten in the morning",
    "i will be home at seven tonight",
    "thank you for your help today",
    "can you send me the report please",
    "we need to talk about the new project",
)


def wer(ref: str, hyp: str) -> tuple[int, int]:
    """(edits, reference words) by word-level Levenshtein distance."""
    r, h = ref.split(), hyp.split()
    row = list(range(len(h) + 1))
    for i, rw in enumerate(r, 1):
        prev, row[0] = row[0], i
        for j, hw in enumerate(h, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (rw != hw))
    return row[len(h)], len(r)


def transcription(tmp: Path, repeat: int) -> list[str]:
    engine = OfflineEngine()
    audio_s = engine_s = resample_s = 0.0
    errors = {8000: [0, 0], 16000: [0, 0]}
    for n, text in enumerate(SENTENCES):
        for rate in (8000, 16000):
            wav = speak(text, tmp / f"s{n}-{rate}.wav", rate=rate).read_bytes()
            heard = engine.transcribe(wav)
            e, w = wer(text, heard)
            errors[rate][0] += e
            errors[rate][1] += w
            if rate == 8000:
                audio_s += seconds(tmp / f"s{n}-{rate}.wav") * repeat
                for _ in range(repeat):
                    t = time.perf_counter()
                    to_16k_pcm(wav)
                    resample_s += time.perf_counter() - t
                    t = time.perf_counter()
                    engine.transcribe(wav)
                    engine_s += time.perf_counter() - t
    rtf, base = engine_s / audio_s, resample_s / audio_s
    print(f"offline RTF {rtf:.3f}, sox resample {base:.4f} ({rtf / base:.0f}x)")
    return [
        "| what (one core) | seconds per second of audio | vs the baseline |",
        "|---|---:|---:|",
        f"| resample 8 → 16 kHz with sox (baseline) | {base:.4f} | 1x |",
        f"| pocketsphinx transcription (offline engine) | {rtf:.3f} | {rtf / base:.0f}x |",
        "",
        f"Word error rate on {len(SENTENCES)} fixed sentences (espeak-ng, voice en-us+f3, "
        "110 words/min):",
        "",
        "| audio | WER |",
        "|---|---:|",
        f"| 8 kHz, as voicemail stores it | {100 * errors[8000][0] / errors[8000][1]:.0f} % |",
        f"| 16 kHz (wideband) | {100 * errors[16000][0] / errors[16000][1]:.0f} % |",
    ]


def hangup_to_sealed(tmp: Path, repeat: int) -> list[str]:
    app = App(initialise(tmp / "etc" / "voco.toml", tmp / "data", None))
    seal, copy = [], []
    for n in range(repeat * 5):
        spool = Path("/dev/shm") / f"voco-bench-{os.getpid()}-{n}"
        spool.mkdir()
        try:
            wav = leave(spool, n=n % 10, origtime=1795911782 + n)
            size = wav.stat().st_size
            t = time.perf_counter()
            with wav.open("rb") as src, (tmp / "copy.wav").open("wb") as dst:
                shutil.copyfileobj(src, dst)
                dst.flush()
                os.fsync(dst.fileno())
            copy.append(time.perf_counter() - t)
            t = time.perf_counter()
            report = sweep.sweep(app, spool)
            seal.append(time.perf_counter() - t)
            assert len(report.stored) == 1 and not wav.exists()
        finally:
            shutil.rmtree(spool, ignore_errors=True)
    s, c = statistics.median(seal), statistics.median(copy)
    print(f"hang-up to sealed {s * 1000:.1f} ms, copy+fsync {c * 1000:.1f} ms")
    return [
        f"A 3-second message ({size} bytes), median of {len(seal)}:",
        "",
        "| what | milliseconds | vs the baseline |",
        "|---|---:|---:|",
        f"| copy the WAV and fsync it (baseline) | {c * 1000:.1f} | 1x |",
        f"| sweep: encrypt, fsync, register (SQLite), unlink the plaintext | {s * 1000:.1f} | "
        f"{s / c:.1f}x |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    with tempfile.TemporaryDirectory(prefix="voco-bench-vm-") as name:
        tmp = Path(name)
        stt = transcription(tmp, args.repeat)
        latency = hangup_to_sealed(tmp, args.repeat)
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    section = "\n".join([
        SECTION, "",
        f"`bench/bench_voicemail.py`, {when}, {platform.machine()}, Python "
        f"{platform.python_version()}, one core, load average {os.getloadavg()[0]:.0f} on "
        f"{os.cpu_count()} cores (a shared machine: compare ratios, not seconds).",
        "", "### Offline transcription", "", *stt, "",
        "pocketsphinx's model is trained on 16 kHz speech: on telephone-band audio its free "
        "text is unreliable, so offline transcripts are a rough index, not a record.",
        "", "### Hang-up to sealed", "", *latency, ""])
    print(f"wrote {replace_section(section)}")


if __name__ == "__main__":
    main()
