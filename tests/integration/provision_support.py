"""Helpers for the provisioning tests: a Voco config pointed at a sandbox, and an AMI listener.

The listener is a plain socket reader on its own thread: tests need every event in arrival
order (DialBegin, AgentCalled, ConfbridgeJoin ...) while the CLI under test runs its own AMI
sessions in the same process.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from click.testing import Result

from asterisk_bridge.config import load_config, write_config
from asterisk_bridge.sandbox.instance import Instance
from tests.integration.sipp_support import Phone

Event = dict[str, str]


def attach(config_path: Path, inst: Instance) -> None:
    """Point the Voco config at the sandbox, keeping its test phones and SIP port."""
    cfg = load_config(config_path)
    write_config(replace(cfg, asterisk=inst.settings()))


#: The trunk password and conference PIN :func:`provision_every_secret` stores.
TRUNK_PASSWORD, PIN = "carrier-password-99", "4711"


def provision_every_secret(run_cli: Callable[..., Result], asterisk: Instance,
                           workdir: Path) -> str:
    """Extension 1001 (with a mailbox), a trunk with a password and a room with a PIN, applied;
    1001's phone registers (sipp). Returns 1001's generated SIP secret."""
    added = ok(run_cli("extension", "add", "1001", "--name", "Alice", "--voicemail",
                       "--transport", "udp", "--json"))
    secret = str(json.loads(added.output)["secret"])
    ok(run_cli("trunk", "add", "carrier", "--host", "192.0.2.10", "--username", "acct",
               "--secret-stdin", input=TRUNK_PASSWORD + "\n"))
    ok(run_cli("conference", "add", "board", "--number", "7001", "--pin", PIN))
    ok(run_cli("apply"))
    Phone(workdir / "first", "1001", secret, asterisk.info().sip_port).register()
    return secret


def ok(result: Result) -> Result:
    """Assert a CLI call succeeded, showing its output if not."""
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}{result.exception!r}"
    return result


class AmiListener:
    """Logs in as the sandbox's AMI user and records every event."""

    def __init__(self, inst: Instance) -> None:
        info = inst.info()
        self.sock = socket.create_connection(("127.0.0.1", info.ami_port), timeout=10)
        self.events: list[Event] = []
        self._lock = threading.Lock()
        self._buf = b""
        self.sock.recv(1024)  # banner
        self.send({"Action": "Login", "Username": info.ami_user, "Secret": info.ami_secret,
                   "Events": "on"})
        self.sock.settimeout(None)  # the reader waits out quiet spells (a timeout would end it)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self.wait(lambda e: e.get("Response") == "Success", 10, "AMI login")

    def send(self, action: dict[str, str]) -> None:
        """Send one action (responses land in ``events`` too)."""
        text = "".join(f"{k}: {v}\r\n" for k, v in action.items()) + "\r\n"
        self.sock.sendall(text.encode())

    def _run(self) -> None:
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            self._buf += data
            while b"\r\n\r\n" in self._buf:
                frame, self._buf = self._buf.split(b"\r\n\r\n", 1)
                event: Event = {}
                for line in frame.decode("utf-8", "replace").split("\r\n"):
                    key, sep, value = line.partition(": ")
                    if sep:
                        event.setdefault(key, value)
                with self._lock:
                    self.events.append(event)

    def matching(self, pred: Callable[[Event], bool]) -> list[Event]:
        """Events so far that satisfy *pred*."""
        with self._lock:
            return [e for e in self.events if pred(e)]

    def wait(self, pred: Callable[[Event], bool], timeout: float = 30, what: str = "event",
             count: int = 1) -> list[Event]:
        """Poll until *count* events satisfy *pred*; fail naming *what* otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.matching(pred)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no {what} within {timeout} s (saw {len(self.matching(pred))})")

    def originate(self, channel: str, context: str, exten: str, **variables: str) -> None:
        """Originate a Local-channel call (always with /n, see the reference §4)."""
        action = {"Action": "Originate", "Channel": channel, "Context": context, "Exten": exten,
                  "Priority": "1", "Async": "true", "CallerID": "Test <1001>"}
        if variables:
            action["Variable"] = ",".join(f"{k}={v}" for k, v in variables.items())
        self.send(action)

    def close(self) -> None:
        """Log off and close the socket."""
        try:
            self.send({"Action": "Logoff"})
        finally:
            self.sock.close()
