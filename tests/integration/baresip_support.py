"""baresip phones over SIP/TLS with SRTP (SDES), and a tshark capture of the loopback.

baresip speaks TLS and SRTP itself, so it is the real client the encrypted-transport tests use:
one phone registers and answers on its own (``answermode=auto``), another dials through the
``ctrl_tcp`` module (a netstring JSON command running a ``menu`` command).
"""

from __future__ import annotations

import json
import math
import signal
import socket
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from asterisk_bridge.sandbox import ports
from tests.audio_tones import tone_wav
from tests.polling import wait_for


def _free_port() -> int:
    """A loopback port free for TCP and UDP alike (baresip's sip_listen binds both)."""
    while True:
        port = ports.free_tcp_port()
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return port


class Baresip:
    """One baresip account registered over TLS to a sandbox Asterisk, SRTP mandatory."""

    def __init__(self, workdir: Path, user: str, secret: str, tls_port: int, ca: Path) -> None:
        self.dir = workdir / f"baresip-{user}"
        self.dir.mkdir(parents=True)
        self.user = user
        self.ctrl_port = ports.free_tcp_port()
        tone = self.dir / "voice.wav"  # what this phone "says": a steady 8 kHz tone
        tone_wav(tone, 30.0, 500 if user.endswith("1") else 1200)
        (self.dir / "config").write_text(
            f"sip_listen 127.0.0.1:{_free_port()}\nsip_cafile {ca}\n"
            f"ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}\n"
            # account.so last: it reads the accounts file, which names srtp's mediaenc
            "module_path /usr/lib/baresip/modules\nmodule g711.so\nmodule srtp.so\n"
            "module aufile.so\nmodule menu.so\nmodule ctrl_tcp.so\n"
            "module account.so\n"
            f"audio_source aufile,{tone}\naudio_player aufile,{self.dir / 'heard.wav'}\n")
        (self.dir / "accounts").write_text(
            f"<sip:{user}@127.0.0.1:{tls_port};transport=tls>;auth_pass={secret};"
            "mediaenc=srtp-mand;answermode=auto;regint=300\n")
        self.proc = subprocess.Popen(["baresip", "-f", str(self.dir)], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def wait_registered(self, contacts: Callable[[], str]) -> None:
        """Until Asterisk lists this phone's contact (baresip's user is ``<user>-0x<hex>``)."""

        def registered() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"baresip {self.user} exited: {self.stop()}")
            return f"{self.user}/sip:{self.user}-" in contacts()

        wait_for(registered, f"baresip {self.user} registering over TLS")

    def command(self, command: str, params: str = "") -> None:
        """Run a menu command (dial, hangup, sndcode ...) through the ctrl_tcp module."""
        body = json.dumps({"command": command, "params": params, "token": command}).encode()
        with socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=10) as s:
            s.sendall(str(len(body)).encode() + b":" + body + b",")
            s.recv(4096)

    def dial(self, number: str) -> None:
        """Dial *number*."""
        self.command("dial", number)

    def hangup(self) -> None:
        """Hang up the current call."""
        self.command("hangup")

    def stop(self) -> str:
        """Stop baresip; its output, for failure messages."""
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=30)
        return out.decode(errors="replace")[-3000:]


class Capture:
    """tshark on the loopback, limited to *bpf* (one instance's ports), into a pcap file."""

    def __init__(self, path: Path, bpf: str) -> None:
        self.path = path
        self.proc = subprocess.Popen(["tshark", "-i", "lo", "-f", bpf, "-w", str(path)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for(lambda: path.exists() and path.stat().st_size > 0, "tshark capturing")

    def stop(self) -> None:
        """Stop capturing (SIGINT flushes the file)."""
        self.proc.send_signal(signal.SIGINT)
        self.proc.communicate(timeout=60)

    def read(self, *args: str) -> list[str]:
        """``tshark -r`` over the capture with *args*; one line per packet."""
        out = subprocess.run(["tshark", "-r", str(self.path), *args], capture_output=True,
                             text=True, timeout=300, check=True).stdout
        return [line for line in out.splitlines() if line.strip()]


def entropy_bits_per_byte(data: bytes) -> float:
    """Shannon entropy: near 8 for ciphertext, far lower for G.711 audio or silence."""
    counts = Counter(data)
    return -sum(c / len(data) * math.log2(c / len(data)) for c in counts.values())
