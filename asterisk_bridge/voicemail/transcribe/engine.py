"""What a transcription engine is, and how it fails."""

from __future__ import annotations

from typing import Protocol

from asterisk_bridge.errors import VocoError


class TranscriptionError(VocoError):
    """A message could not be transcribed now; *retry* says whether trying later may help."""

    def __init__(self, reason: str, *, retry: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


class Engine(Protocol):
    """Turns one message (its WAV bytes) into text."""

    name: str

    def transcribe(self, wav: bytes) -> str:
        """The message's words; TranscriptionError when the engine cannot tell now."""
