"""Offline transcription with pocketsphinx, whose en-US model ships in its wheel: an appliance
without internet still transcribes. Voicemail is 8 kHz; the model is trained on 16 kHz speech,
so the audio is resampled by sox first (through pipes: the plaintext never touches disk), without
dither, so the same message always gives the same transcript."""

from __future__ import annotations

import subprocess

from asterisk_bridge.voicemail.transcribe.engine import TranscriptionError

RATE = 16000


def to_16k_pcm(wav: bytes) -> bytes:
    """A WAV of any rate as raw 16 kHz mono signed 16-bit PCM."""
    proc = subprocess.run(["sox", "-V1", "-D", "-t", "wav", "-", "-t", "raw", "-r", str(RATE),
                           "-c", "1", "-b", "16", "-e", "signed-integer", "-"],
                          input=wav, capture_output=True, check=False)
    if proc.returncode != 0:
        raise TranscriptionError(f"sox could not read the message: "
                                 f"{proc.stderr.decode(errors='replace').strip()}", retry=False)
    return proc.stdout


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
        pcm = to_16k_pcm(wav)
        decoder = self._decoder
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
        return hyp.hypstr.strip() if hyp is not None else ""
