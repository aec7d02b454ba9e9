"""Google Cloud Speech-to-Text through the google-cloud-speech client.

Short messages go through synchronous ``Recognize``, longer ones through
``LongRunningRecognize``; the audio is the message's WAV (8 kHz LINEAR16), the language and model
are the administrator's. The client's own retries are off (``retry=None``): the transcription
worker retries with its own backoff, so a failing service never blocks the bridge for minutes.
Errors the service returns become :class:`TranscriptionError` with the service's reason.
"""

from __future__ import annotations

from typing import Any

from asterisk_bridge.voicemail.transcribe.engine import TranscriptionError

SYNC_LIMIT_S = 55.0  # Recognize takes at most a minute of audio
TIMEOUT_S = 120.0


class GoogleEngine:
    """One SpeechClient, built from the sealed service-account info (or a given transport)."""

    name = "google"

    def __init__(self, credentials_info: dict[str, Any] | None, language: str, model: str = "",
                 endpoint: str = "", transport: Any = None) -> None:
        from google.cloud import speech

        self._speech = speech
        if transport is not None:
            self._client = speech.SpeechClient(transport=transport)
        else:
            from google.oauth2 import service_account

            if credentials_info is None:
                raise TranscriptionError("no Google credentials are stored; run 'voco "
                                         "transcription set google --credentials FILE'",
                                         retry=False)
            creds = service_account.Credentials.from_service_account_info(credentials_info)
            options = {"api_endpoint": endpoint} if endpoint else None
            self._client = speech.SpeechClient(credentials=creds, client_options=options)
        self.language, self.model = language, model

    def config(self) -> Any:
        """The RecognitionConfig every request carries."""
        speech = self._speech
        return speech.RecognitionConfig(
            encoding=speech.RecognitionConfig.AudioEncoding.LINEAR16, sample_rate_hertz=8000,
            audio_channel_count=1, language_code=self.language, model=self.model or None)

    def transcribe(self, wav: bytes) -> str:
        """The best alternative of every result, joined."""
        from google.api_core import exceptions

        audio = self._speech.RecognitionAudio(content=wav)
        seconds = max(len(wav) - 44, 0) / 16000
        try:
            if seconds <= SYNC_LIMIT_S:
                response = self._client.recognize(config=self.config(), audio=audio,
                                                   retry=None, timeout=TIMEOUT_S)
            else:
                operation = self._client.long_running_recognize(
                    config=self.config(), audio=audio, retry=None, timeout=TIMEOUT_S)
                response = operation.result(timeout=TIMEOUT_S * 5)
        except (exceptions.Unauthenticated, exceptions.PermissionDenied) as exc:
            raise TranscriptionError(f"Google refused the credentials: {exc.message}") from None
        except exceptions.ResourceExhausted as exc:
            raise TranscriptionError(f"Google quota exhausted: {exc.message}") from None
        except exceptions.DeadlineExceeded as exc:
            raise TranscriptionError(f"Google did not answer in time: {exc.message}") from None
        except exceptions.InvalidArgument as exc:
            raise TranscriptionError(f"Google rejected the request: {exc.message}",
                                     retry=False) from None
        except exceptions.GoogleAPIError as exc:
            raise TranscriptionError(f"Google Speech-to-Text failed: {exc}") from None
        return " ".join(r.alternatives[0].transcript.strip() for r in response.results
                        if r.alternatives).strip()
