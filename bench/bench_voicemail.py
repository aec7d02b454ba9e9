"""Voicemail: offline transcription speed and accuracy, and how long a message's plaintext
lives after the hang-up. Each figure comes with a baseline measured in the same run.

Usage: .venv/bin/python bench/bench_voicemail.py [--repeat 1]

- Transcription, pinned to one core: pocketsphinx's real-time factor (processing seconds per
  second of audio) on a fixed set of espeak-ng sentences stored as voicemail holds them (8 kHz),
  against the baseline of merely resampling them to 16 kHz with sox (the engine's first step);
  and the word error rate at 8 kHz (telephone) and 16 kHz (wideband), on the fixed set the
  engine's settings were chosen on and on a held-out set they never saw, in the tests' voice
  and in espeak-ng's default formant voice.
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
from tests.integration.voicemail_support import SPEED, VOICE, seconds, speak  # noqa: E402
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
#: Never used to choose the engine's settings: the check that they are not fitted to SENTENCES.
HELD_OUT = (
    "hi this is john calling about your order",
    "i am running late and will be there in twenty minutes",
    "your appointment has been moved to friday afternoon",
    "please give me a call when you get this message",
    "the package was delivered to the front desk",
    "i wanted to ask if you are free for lunch next week",
    "call the office as soon as you can",
    "we have a problem with the new server",
    "the doctor will see you on monday at nine",
    "let me know if you have any questions",
    "i left the keys on the kitchen table",
    "thanks again for your time and have a nice day",
)
#: (voice, words per minute, sample rate) of each WER row; the first is what the tests speak.
SPEAKERS = ((VOICE, SPEED, 8000), (VOICE, SPEED, 16000), ("en-us+f3", 110, 8000))


def wer(ref: str, hyp: str) -> tuple[int, int]:
    """(edits, reference words) by word-level Levenshtein distance."""
    r, h = ref.split(), hyp.split()
    row = list(range(len(h) + 1))
    for i, rw in enumerate(r, 1):
        prev, row[0] = row[0], i
        for j, hw in enumerate(h, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (rw != hw))
    return row[len(h)], len(r)


def error_rate(engine: OfflineEngine, tmp: Path, sentences: tuple[str, ...], voice: str,
               speed: int, rate: int) -> float:
    """WER in percent of *engine* on *sentences* spoken by espeak-ng."""
    edits = words = 0
    for n, text in enumerate(sentences):
        wav = speak(text, tmp / f"w{n}.wav", rate=rate, voice=voice, speed=speed).read_bytes()
        e, w = wer(text, engine.transcribe(wav))
        edits, words = edits + e, words + w
    return 100 * edits / words


def transcription(tmp: Path, repeat: int) -> list[str]:
    engine = OfflineEngine()
    audio_s = engine_s = resample_s = 0.0
    for n, text in enumerate(SENTENCES):
        wav = speak(text, tmp / f"s{n}.wav").read_bytes()
        audio_s += seconds(tmp / f"s{n}.wav") * repeat
        for _ in range(repeat):
            t = time.perf_counter()
            to_16k_pcm(wav)
            resample_s += time.perf_counter() - t
            t = time.perf_counter()
            engine.transcribe(wav)
            engine_s += time.perf_counter() - t
    rtf, base = engine_s / audio_s, resample_s / audio_s
    print(f"offline RTF {rtf:.3f}, sox resample {base:.4f} ({rtf / base:.0f}x)")
    rows = []
    for voice, speed, rate in SPEAKERS:
        tuned, held = (error_rate(engine, tmp, s, voice, speed, rate)
                       for s in (SENTENCES, HELD_OUT))
        print(f"WER {voice} {speed} {rate} Hz: {tuned:.0f} % fixed set, {held:.0f} % held out")
        rows.append(f"| {voice}, {speed} words/min | {rate // 1000} kHz | {tuned:.0f} % | "
                    f"{held:.0f} % |")
    return [
        "| what (one core) | seconds per second of audio | vs the baseline |",
        "|---|---:|---:|",
        f"| resample 8 → 16 kHz with sox (baseline) | {base:.4f} | 1x |",
        f"| pocketsphinx transcription (offline engine) | {rtf:.3f} | {rtf / base:.0f}x |",
        "",
        f"Word error rate on {len(SENTENCES)} fixed sentences (the engine's settings were chosen "
        f"on them) and {len(HELD_OUT)} held-out ones (never used to choose anything), spoken "
        "by espeak-ng; 8 kHz is what voicemail stores:",
        "",
        "| espeak-ng voice | audio | fixed set | held out |",
        "|---|---|---:|---:|",
        *rows,
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


WHAT_IT_MEANS = [
    "- The engine resamples to 16 kHz (the model's rate; it was trained on wideband speech), cuts "
    "steady tones (ringback, beeps: seconds of a sine wave skew pocketsphinx's per-utterance "
    "cepstral mean and the words around it are lost) and adds a fixed noise floor near -61 dBFS "
    "(the empty band above 4 kHz and digital silence otherwise sit where the model never saw "
    "speech). Decoding natively at 8 kHz with the filterbank cut to 3.5 kHz did worse when the "
    "settings were chosen (95 % against 74 % resampled, voice en-us at 130 words/min): the "
    "model's features assume the full band. Noise floors of 15 and 120 steps did worse on "
    "the fixed set, 60 as well as 30; folding the band below 4 kHz into the empty one above it "
    "did worse.",
    "- Language weight (how far the decoder trusts its general English language model over the "
    "audio): 8 instead of pocketsphinx's 6.5 (the other passes scaled alike) gained 5 points on "
    "both sets at 8 kHz, but 9 lost 21 on the fixed set (words dropped): a gain at the noise "
    "level next to an edge, so the default stays. The decoder's feature extraction is reset for "
    "every message: its noise estimate used to carry over, so a message's transcript depended "
    "on the one before it.",
    "- Before the tone cut, the noise floor and the Klatt voice (2026-11-30, voice en-us+f3 at "
    "110 words/min with word gaps): 114 % at 8 kHz and 76 % at 16 kHz on the fixed set. In the "
    "Klatt voice but without the tone cut and the noise floor, the message left on Asterisk in "
    "tests/integration/test_voicemail_transcript_live.py came out as 'the almeida about and i "
    "needed and i'm already'; now it comes out word for word. The 8 kHz figures move by a few "
    "points with the dither of the "
    "conversion to 8 kHz (31 to 36 % on the fixed set over runs before it was made repeatable): "
    "on sets this small, read differences under 5 points as noise.",
    "- The voice matters more than any setting: espeak-ng's default formant voices are far from "
    "the human speech the model was trained on (third row), its Klatt voice at a normal speed "
    "much less so. The tests speak with the Klatt voice; they show the pipeline from Asterisk to "
    "the sealed transcript works, not how well a person will be understood.",
    "- For real callers (not measured here: no recorded human speech ships with the project): "
    "pocketsphinx's general English model on telephone audio is a rough index, likely to get "
    "at least as many words wrong as above and more with accents, noise or a mobile codec; good "
    "for finding a message, not a record of it. Google Cloud Speech-to-Text "
    "('voco transcription set google') is the engine for transcripts people will read.",
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
        *WHAT_IT_MEANS,
        "", "### Hang-up to sealed", "", *latency, ""])
    print(f"wrote {replace_section(section)}")


if __name__ == "__main__":
    main()
