"""Offline transcription with pocketsphinx, whose en-US model ships in its wheel: an appliance
without internet still transcribes.

Voicemail is 8 kHz telephone audio; the model is trained on 16 kHz speech with a noise floor.
So the audio is resampled by sox (through pipes: the plaintext never touches disk, no dither),
steady tones are cut (:mod:`.tones`), and a fixed, seeded noise floor at about -61 dBFS is added:
without it the empty band above 4 kHz and the digital silence between words sit at the bottom of
the filterbank's log scale, where the model never saw speech. Every step is deterministic, so the
same message always gives the same transcript. docs/benchmarks.md gives the word error rate."""

from __future__ import annotations

import random
import subprocess
from array import array

from asterisk_bridge.voicemail.transcribe.engine import TranscriptionError
from asterisk_bridge.voicemail.transcribe.tones import strip_tones

RATE = 16000
NOISE_FLOOR = 30  # standard deviation, in 16-bit steps (about -61 dBFS)


def to_16k_pcm(wav: bytes) -> bytes:
    """A WAV of any rate as raw 16 kHz mono signed 16-bit PCM."""
    proc = subprocess.run(["sox", "-V1", "-D", "-t", "wav", "-", "-t", "raw", "-r", str(RATE),
                           "-c", "1", "-b", "16", "-e", "signed-integer", "-"],
                          input=wav, capture_output=True, check=False)
    if proc.returncode != 0:
        raise TranscriptionError(f"sox could not read the message: "
                                 f"{proc.stderr.decode(errors='replace').strip()}", retry=False)
    return proc.stdout


def with_noise_floor(pcm: bytes) -> bytes:
    """*pcm* (native 16-bit) plus white noise of :data:`NOISE_FLOOR`, the same on every call."""
    gauss = random.Random(0).gauss
    return array("h", (max(-32768, min(32767, s + round(gauss(0.0, NOISE_FLOOR))))
                       for s in array("h", pcm))).tobytes()


def prepare(wav: bytes) -> bytes:
    """What the decoder hears: *wav* at 16 kHz, tones cut, on the noise floor."""
    return with_noise_floor(strip_tones(to_16k_pcm(wav), RATE))


class OfflineEngine:
    """pocketsphinx's default English acoustic and language models."""

    name = "offline"

    def __init__(self, language: str = "en-US") -> None:
        if not language.lower().startswith("en"):
            raise TranscriptionError(f"the offline engine knows English only, not {language}",
                                     retry=False)
        from pocketsphinx import Decoder  # loads the model: only when transcribing

        self._decoder = Decoder(samprate=RATE, loglevel="FATAL")

    def transcribe(self, wav: bytes) -> str:
        """The words pocketsphinx hears in *wav* (lower case, no punctuation)."""
        pcm = prepare(wav)
        decoder = self._decoder
        decoder.reinit_feat()  # forget the last message's noise estimate: each stands alone
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
        return hyp.hypstr.strip() if hyp is not None else ""
