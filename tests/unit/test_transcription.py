"""Transcription: the real google-cloud-speech client against a local gRPC Speech server, the
offline engine on espeak-ng speech, and the worker's retries (nothing lost, nothing twice)."""

from __future__ import annotations

import json
import subprocess
from array import array
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from google.cloud import speech
from google.cloud.speech_v1.services.speech.transports import SpeechGrpcTransport

from asterisk_bridge.context import App
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.provisioning import extensions
from asterisk_bridge.provisioning.extensions import Extension
from asterisk_bridge.voicemail import query, sweep, vault
from asterisk_bridge.voicemail.transcribe import settings, tones, worker
from asterisk_bridge.voicemail.transcribe.google import GoogleEngine
from asterisk_bridge.voicemail.transcribe.offline import OfflineEngine
from tests.conftest import CliCall
from tests.integration.voicemail_support import speak
from tests.unit.speech_server import FakeSpeech, speech_server
from tests.unit.voicemail_support import leave

SERVICE_ACCOUNT = {"type": "service_account",
                   "client_email": "vm@example.iam.gserviceaccount.com",
                   "private_key": "-----BEGIN PRIVATE KEY-----\nMIIfake\n-----END"
                                  " PRIVATE KEY-----\n",
                   "token_uri": "https://oauth2.example/token", "project_id": "p"}


def google(addr: str) -> GoogleEngine:
    transport = SpeechGrpcTransport(channel=grpc.insecure_channel(addr))
    return GoogleEngine(None, "en-GB", "phone_call", transport=transport)


@pytest.fixture
def pending(app: App, ram_spool: Path) -> tuple[App, str]:
    extensions.add(app.engine, app.master_key, Extension(number="1001", name="Alice"))
    leave(ram_spool)
    sweep.sweep(app, ram_spool, transcribe=True)
    [row] = query.messages(app)
    return app, row.id


def test_google_gets_the_decrypted_message_and_its_settings(pending: tuple[App, str]) -> None:
    app, msg_id = pending
    fake = FakeSpeech(text="please call me back")
    with speech_server(fake) as addr:
        assert worker.run_pending(app, google(addr)) == {msg_id: "done"}
        assert worker.run_pending(app, google(addr)) == {}  # done: never sent again
    [(method, request)] = fake.requests
    assert method == "Recognize"
    cfg = request.config
    assert cfg.encoding == speech.RecognitionConfig.AudioEncoding.LINEAR16
    assert (cfg.sample_rate_hertz, cfg.language_code, cfg.model) == (8000, "en-GB", "phone_call")
    assert request.audio.content == vault.audio_bytes(app, msg_id)
    assert vault.transcript(app, msg_id) == "please call me back"
    assert query.messages(app)[0].transcript_engine == "google"


def test_a_long_message_goes_long_running() -> None:
    fake = FakeSpeech(text="a long story")
    long_wav = b"RIFF" + b"\0" * (16000 * 70)
    with speech_server(fake) as addr:
        assert google(addr).transcribe(long_wav) == "a long story"
    assert [m for m, _ in fake.requests] == ["LongRunningRecognize"]


@pytest.mark.parametrize(("code", "reason"), [
    (grpc.StatusCode.UNAUTHENTICATED, "refused the credentials"),
    (grpc.StatusCode.RESOURCE_EXHAUSTED, "quota exhausted"),
    (grpc.StatusCode.DEADLINE_EXCEEDED, "did not answer in time"),
])
def test_service_errors_keep_the_message_and_retry_later(pending: tuple[App, str],
                                                         code: grpc.StatusCode,
                                                         reason: str) -> None:
    app, msg_id = pending
    fake = FakeSpeech(error=code)
    now = datetime.now(UTC)
    with speech_server(fake) as addr:
        [result] = worker.run_pending(app, google(addr), now=lambda: now).values()
        assert result.startswith("failed: ") and reason in result
        row = query.messages(app)[0]
        assert (row.transcript_status, row.transcript_attempts) == ("failed", 1)
        assert reason in query.describe(app, msg_id)["message"]["transcript_error"]
        assert worker.run_pending(app, google(addr), now=lambda: now) == {}  # backing off
        fake.error = None
        later = now + timedelta(seconds=worker.BACKOFF_S[0] + 1)
        assert worker.run_pending(app, google(addr), now=lambda: later) == {msg_id: "done"}
    assert len(fake.requests) == 2 and vault.transcript(app, msg_id) == "call me back"
    assert vault.audio_bytes(app, msg_id)[:4] == b"RIFF"


def test_the_offline_engine_hears_the_spoken_words(tmp_path: Path) -> None:
    wav = speak("please call me back tomorrow morning", tmp_path / "m.wav")  # 8 kHz, as stored
    heard = OfflineEngine().transcribe(wav.read_bytes()).split()
    assert {"please", "call", "back", "tomorrow", "morning"} <= set(heard), heard


def test_a_transcript_does_not_depend_on_the_message_before(tmp_path: Path) -> None:
    first = speak("please call me back tomorrow morning", tmp_path / "a.wav").read_bytes()
    other = speak("we need to talk about the new project", tmp_path / "b.wav").read_bytes()
    engine = OfflineEngine()
    alone = engine.transcribe(first)
    assert [engine.transcribe(first), engine.transcribe(other), engine.transcribe(first)] == [
        alone, OfflineEngine().transcribe(other), alone]


def tone(hz: int, seconds: float, target: Path) -> bytes:
    subprocess.run(["sox", "-D", "-n", "-r", "16000", "-b", "16", "-c", "1", "-t", "raw",
                    str(target), "synth", str(seconds), "sine", str(hz), "vol", "0.3"],
                   check=True)
    return target.read_bytes()


def test_steady_tones_are_cut_and_speech_is_kept(tmp_path: Path) -> None:
    wav = speak("we need to talk about the new project", tmp_path / "s.wav", rate=16000)
    speech = wav.read_bytes()[44:]
    assert tones.strip_tones(speech, 16000) == speech  # espeak-ng's voice is never that steady
    ring, beep = tone(425, 4.0, tmp_path / "ring.raw"), tone(1200, 2.0, tmp_path / "beep.raw")
    runs = tones.tone_runs(array("h", ring + speech + beep), 16000)
    assert [(a // 16000, b // 16000) for a, b in runs] == [(0, 4), (4 + len(speech) // 32000,
                                                                   6 + len(speech) // 32000)]
    kept = tones.strip_tones(ring + speech + beep, 16000)
    assert abs(len(kept) - len(speech)) <= 2 * 640  # at most a frame either side


def test_transcription_is_off_until_set_and_credentials_are_sealed(app: App, run_cli: CliCall,
                                                                  tmp_path: Path) -> None:
    assert not settings.enabled(app.engine)
    bad = run_cli("transcription", "set", "google")
    assert bad.exit_code == 2 and "credentials" in bad.output
    key = tmp_path / "sa.json"
    key.write_text(json.dumps(SERVICE_ACCOUNT))
    done = run_cli("transcription", "set", "google", "--credentials", str(key), "--language",
                   "de-DE")
    assert done.exit_code == 0, done.output
    shown = run_cli("transcription", "show", "--json").output
    assert json.loads(shown)["has_credentials"] is True and "MIIfake" not in shown
    with app.engine.connect() as conn:
        dump = b"".join(v for (v,) in conn.exec_driver_sql(
            "SELECT credentials FROM transcription_config") if v)
    assert b"MIIfake" not in dump and b"client_email" not in dump
    assert settings.credentials(app.engine, app.master_key) == SERVICE_ACCOUNT
    assert run_cli("transcription", "set", "off").exit_code == 0
    assert settings.credentials(app.engine, app.master_key) is None
    with pytest.raises(ValidationError, match="language"):
        settings.choose(app.engine, app.master_key, "offline", language="en US;")
