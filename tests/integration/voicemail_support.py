"""A caller who leaves voicemail on the real sandbox Asterisk: a Local channel whose far end
waits out the privacy notice, greeting and beep, then speaks an espeak-ng phrase and hangs up."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

from asterisk_bridge.context import App
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.voicemail import notice
from tests.audio_tones import BOB_HZ
from tests.conftest import CliCall
from tests.integration.provision_support import attach, ok

CALLER = "Carol <+442079460000>"
PHRASE = "please call me back about the meeting tomorrow morning"
#: The caller's line is never silent: app_voicemail ends a recording after 4 s without audio
#: frames, and a Local channel in Wait() sends none. The message ends with bob's 1200 Hz tone,
#: which the owner's leg must hear when the message is played back.
SCENARIO = """[vm-test-phone]
exten => speak,1,Answer()
 same => n,PlayTones(425)
 same => n,Wait({wait})
 same => n,StopPlayTones()
 same => n,Playback(${{ASTVARLIBDIR}}/voco-test/message)
 same => n,PlayTones({tail_hz})
 same => n,Wait(2)
 same => n,Hangup()
"""


#: The caller's voice: espeak-ng's Klatt voice at its usual speed. Its glottal source is closer
#: to a person's than the default formant voices, which pocketsphinx's model hears poorly
#: (docs/benchmarks.md, "Offline transcription", compares them).
VOICE, SPEED = "en-us+klatt", 165


def speak(text: str, target: Path, *, rate: int = 8000, speed: int = SPEED,
          voice: str = VOICE) -> Path:
    """*text* spoken by espeak-ng, as a mono 16-bit WAV at *rate* (8 kHz: as Asterisk plays it)."""
    if rate == 8000:
        target.write_bytes(notice.speak(text, voice=voice, speed=speed))
        return target
    spoken = target.with_suffix(".espeak.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(spoken), text],
                   check=True, capture_output=True)
    subprocess.run(["sox", "-V1", "-D", str(spoken), "-r", str(rate), "-c", "1", "-b", "16",
                    str(target)], check=True)
    spoken.unlink()
    return target


def seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def install_caller(asterisk: Instance, phrase: str = PHRASE) -> Path:
    """Put the caller's phrase and dialplan into the sandbox; returns the phrase's WAV."""
    lib = asterisk.base / "lib"
    notice_wav = notice.render_default(lib)
    (lib / "voco-test").mkdir(exist_ok=True)
    message = speak(phrase, lib / "voco-test" / "message.wav")
    # the notice; then "the person at 1001 is unavailable", vm-intro and the beep
    wait = int(seconds(notice_wav)) + 15
    asterisk.write_files({"extensions_test.conf": SCENARIO.format(wait=wait, tail_hz=BOB_HZ)})
    asterisk.rx("dialplan reload")
    return message


def leave_message_action(mailbox: str, caller: str = CALLER) -> dict[str, str]:
    """The AMI Originate of a caller reaching *mailbox*'s extension unanswered."""
    number = caller.rsplit("<", 1)[1].rstrip(">")
    return {"Action": "Originate", "Channel": "Local/speak@vm-test-phone/n",
            "Context": "voco-ext", "Exten": mailbox, "Priority": "1", "CallerID": caller,
            "Variable": f"VOCO_KIND=inbound,VOCO_CALLER={number}", "Async": "true"}


def transcribed_mailbox(app: App, asterisk: Instance, run_cli: CliCall) -> App:
    """Extension 1001 with voicemail, applied; offline transcription on; the caller installed.
    Returns the app reopened on the applied configuration."""
    attach(app.config.path, asterisk)
    ok(run_cli("extension", "add", "1001", "--name", "Alice", "--voicemail", "--transport",
               "udp"))
    ok(run_cli("apply"))
    ok(run_cli("transcription", "set", "offline"))
    install_caller(asterisk)
    return App.open(app.config.path)
