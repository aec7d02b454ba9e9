"""``make run``: a demo PBX on a sandbox Asterisk, end to end, in about a minute.

It runs the same ``voco`` commands a sysadmin would type (printed with their output), places one
call from a "carrier" to extension 1002 in which both parties consent to recording, and shows what
the bridge stored: the call and its CDRs, the encrypted recording with its consent evidence, an
export; then a caller leaves voicemail for an extension that does not answer, and the sealed
message is listed with its offline transcript; last, the verified operation log. Everything
lives in ``demo-data/`` (recreated each run).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import wave
from collections.abc import Callable
from pathlib import Path

from asterisk_bridge.bridge.amiclient import ami_session
from asterisk_bridge.config import load_config
from asterisk_bridge.context import App
from asterisk_bridge.recording.query import Filters, recordings
from asterisk_bridge.voicemail import notice
from asterisk_bridge.voicemail.query import messages

DEMO_DIR = Path(os.environ.get("VOCO_DEMO_DIR", "demo-data")).resolve()
CONFIG = DEMO_DIR / "voco.toml"
SANDBOX = os.environ.get("VOCO_DEMO_SANDBOX", "demo")
VOCO = str(Path(sys.executable).with_name("voco"))
WAIT_S = 60.0
VOICEMAIL = "please call me back tomorrow morning"


def say(text: str) -> None:
    """A section heading."""
    print(f"\n\033[1m== {text}\033[0m", flush=True)


def voco(*args: str, show: bool = True, stdin: str | None = None) -> str:
    """Run ``voco --config demo-data/voco.toml ARGS``, echoing the command and its output."""
    if show:
        print(f"$ voco {' '.join(args)}", flush=True)
    out = subprocess.run([VOCO, "--config", str(CONFIG), *args], capture_output=True, text=True,
                         input=stdin)
    text = (out.stdout + out.stderr).rstrip()
    if show and text:
        print("  " + text.replace("\n", "\n  "), flush=True)
    if out.returncode != 0:
        raise SystemExit(f"demo stopped: 'voco {' '.join(args)}' failed")
    return out.stdout


def wait_until(cond: Callable[[], object], what: str, wait_s: float = WAIT_S) -> None:
    """Poll ``cond`` until it holds, or stop the demo saying what never happened."""
    deadline = time.monotonic() + wait_s
    while not cond():
        if time.monotonic() > deadline:
            raise SystemExit(f"demo stopped: timed out waiting for {what}")
        time.sleep(0.25)


async def place_call() -> None:
    """Originate the carrier's call: alice (caller) presses 1 at the consent question."""
    async with ami_session(load_config(CONFIG).asterisk, timeout=30) as ami:
        resp = await ami.action({
            "Action": "Originate", "Channel": "Local/alice-1-3-12@phone/n",
            "Context": "sandbox-calls", "Exten": "demo-1002", "Priority": "1",
            "CallerID": "Alice <5550100>"})
        print(f"  AMI Originate: {resp.get('Response')} ({resp.get('Message')})")


async def leave_voicemail() -> None:
    """Carol calls 1001 from outside; nobody answers (no phone is registered); she leaves a
    message."""
    lib = Path(load_config(CONFIG).asterisk.ast_lib_dir)
    (lib / "voco-demo").mkdir(parents=True, exist_ok=True)
    (lib / "voco-demo" / "message.wav").write_bytes(
        notice.speak(VOICEMAIL, voice="en-us+klatt", speed=165))
    with wave.open(str(lib / notice.NOTICE_DIR / "notice.wav")) as w:
        wait = int(w.getnframes() / w.getframerate()) + 15  # notice, "unavailable", beep
    async with ami_session(load_config(CONFIG).asterisk, timeout=60) as ami:
        resp = await ami.action({
            "Action": "Originate", "Channel": f"Local/carol-{wait}@phone/n",
            "Context": "voco-ext", "Exten": "1001", "Priority": "1",
            "CallerID": "Carol <5550177>", "Variable": "VOCO_KIND=inbound,VOCO_CALLER=5550177",
            "Async": "false"})
        print(f"  AMI Originate: {resp.get('Response')} ({resp.get('Message')})")


def main() -> None:
    """Run the demo."""
    say("1. A fresh Voco installation (config, master key, database)")
    if DEMO_DIR.exists():
        subprocess.run([VOCO, "sandbox", "stop", "--name", SANDBOX, "--destroy"],
                       capture_output=True)
        shutil.rmtree(DEMO_DIR)
    voco("init", "--data-dir", str(DEMO_DIR / "data"))

    say("2. A sandbox Asterisk 22 (Debian sid, chrooted, loopback only)")
    voco("sandbox", "start", "--name", SANDBOX)

    say("3. Provisioning: two extensions, a carrier trunk, recording on for the carrier's calls")
    voco("extension", "add", "1001", "--name", "Alice Admin", "--voicemail")
    voco("extension", "add", "1002", "--name", "Bob Sales")
    voco("trunk", "add", "carrier", "--host", "127.0.0.1", "--identify", "127.0.0.1/32")
    voco("recording-policy", "set", "trunk", "carrier", "yes")
    voco("transcription", "set", "offline")
    voco("apply")

    say("4. The bridge (AMI + ARI in, store out)")
    print("$ voco bridge run &", flush=True)
    with open(DEMO_DIR / "bridge.log", "w") as log:
        bridge = subprocess.Popen([VOCO, "--config", str(CONFIG), "bridge", "run"],
                                  stdout=subprocess.DEVNULL, stderr=log)
    try:
        wait_until(lambda: subprocess.run([VOCO, "--config", str(CONFIG), "bridge", "status"],
                                          capture_output=True).returncode == 0, "the bridge")
        voco("bridge", "status")

        say("5. A call from the carrier to 1002; both parties press 1 to consent")
        asyncio.run(place_call())
        app = App.open(CONFIG)
        wait_until(lambda: recordings(app.engine, Filters()), "the encrypted recording")
        wait_until(lambda: "ANSWERED" in voco("cdr", "list", show=False).upper(), "the CDRs")

        say("6. What the bridge stored")
        voco("calls", "list")
        voco("cdr", "list")
        voco("recording", "list")
        rec = recordings(app.engine, Filters())[0]
        voco("recording", "show", rec.id)
        spool = Path(load_config(CONFIG).asterisk.rec_spool_dir)
        left = sorted(p.name for p in spool.glob("*.wav"))
        print(f"  plaintext recordings left in the RAM spool: {', '.join(left) or 'none'}")

        say("7. Export for a person (every export is in the operation log)")
        voco("recording", "export", rec.id, "--output", str(DEMO_DIR / "call.wav"))
        info = subprocess.run(["soxi", str(DEMO_DIR / "call.wav")], capture_output=True,
                              text=True).stdout
        print("  " + "\n  ".join(line for line in info.splitlines() if line.strip()))

        say("8. A caller leaves voicemail for 1001, who does not answer")
        asyncio.run(leave_voicemail())
        wait_until(lambda: messages(app), "the sealed voicemail")
        wait_until(lambda: messages(app)[0].transcript_status in ("done", "failed"),
                   "the offline transcript", WAIT_S * 4)
        voco("voicemail", "list")
        voco("voicemail", "show", messages(app)[0].id)
    finally:
        bridge.send_signal(signal.SIGTERM)
        bridge.wait(timeout=30)

    say("9. The operation log: every change, hash-chained and sealed")
    voco("oplog", "list")
    voco("oplog", "verify")

    say("Done")
    voco("sandbox", "stop", "--name", SANDBOX)
    print(f"Everything is in {DEMO_DIR} (bridge log: {DEMO_DIR / 'bridge.log'}).")


if __name__ == "__main__":
    main()
