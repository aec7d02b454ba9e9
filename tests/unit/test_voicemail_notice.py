"""The default voicemail notice is spoken (espeak-ng) only when a mailbox plays it.

A node without voicemail, such as a fresh container whose image lacks espeak-ng, must apply its
configuration without it; a node whose mailboxes play the default gets it, or a typed error
saying how to get it (install espeak-ng, or upload a notice).
"""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import pytest

from asterisk_bridge.context import App
from asterisk_bridge.recording.prompts import PromptError
from asterisk_bridge.voicemail import notice
from tests.audio_tones import tone_wav
from tests.conftest import CliCall


def _ok(run_cli: CliCall, *args: str) -> None:
    result = run_cli(*args)
    assert result.exit_code == 0, result.output


@pytest.fixture
def no_espeak(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A PATH on which espeak-ng is not found (sox stays reachable for prompt uploads)."""
    bin_dir = tmp_path / "bin-without-espeak"
    bin_dir.mkdir()
    sox = shutil.which("sox")
    if sox:
        (bin_dir / "sox").symlink_to(sox)
    monkeypatch.setenv("PATH", str(bin_dir))


def test_no_mailbox_needs_no_spoken_notice(app: App, run_cli: CliCall, tmp_path: Path,
                                           no_espeak: None) -> None:
    _ok(run_cli, "extension", "add", "1001", "--name", "Alice")
    assert notice.install(app.engine, tmp_path / "lib") is None
    assert not (tmp_path / "lib" / notice.NOTICE_DIR / "notice.wav").exists()


def test_a_mailbox_without_espeak_is_a_typed_error_naming_both_fixes(
        app: App, run_cli: CliCall, tmp_path: Path, no_espeak: None) -> None:
    _ok(run_cli, "extension", "add", "1001", "--name", "Alice", "--voicemail")
    with pytest.raises(PromptError, match="espeak-ng") as err:
        notice.install(app.engine, tmp_path / "lib")
    assert "apt-get install espeak-ng" in str(err.value)
    assert "voco voicemail notice" in str(err.value)


def test_an_uploaded_notice_needs_no_espeak(app: App, run_cli: CliCall, tmp_path: Path,
                                            no_espeak: None) -> None:
    _ok(run_cli, "extension", "add", "1001", "--name", "Alice", "--voicemail")
    tone_wav(tmp_path / "mine.wav", 1.0, 440)
    _ok(run_cli, "prompt", "upload", "mine", str(tmp_path / "mine.wav"), "--lib-dir",
        str(tmp_path / "lib"))
    _ok(run_cli, "voicemail", "notice", "mine")
    assert notice.install(app.engine, tmp_path / "lib") is None


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_a_mailbox_playing_the_default_gets_it_spoken(app: App, run_cli: CliCall,
                                                      tmp_path: Path) -> None:
    _ok(run_cli, "extension", "add", "1001", "--name", "Alice", "--voicemail")
    path = notice.install(app.engine, tmp_path / "lib")
    assert path == tmp_path / "lib" / notice.NOTICE_DIR / "notice.wav"
    with wave.open(str(path)) as w:
        assert w.getframerate() == 8000 and w.getnchannels() == 1 and w.getnframes() > 8000
