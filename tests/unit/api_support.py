"""An installation with CDRs and a recording, and an in-process client of its API."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from starlette.testclient import TestClient

from asterisk_bridge.api.app import create_api
from asterisk_bridge.cdr import csvsource
from asterisk_bridge.cdr.sealing import CdrSealer
from asterisk_bridge.cdr.store import insert_rows
from asterisk_bridge.context import App
from asterisk_bridge.recording.vault import CallInfo
from tests.conftest import CliCall
from tests.unit.cli_support import ok, store_recording

DATA = Path(__file__).parent / "data"
REC_ID = "voco-1795911331_0-1795911331_1"
CLIENT = "192.0.2.10"


@dataclass
class Store:
    """The installation, its CLI, and the recording's plaintext WAV."""

    app: App
    cli: CliCall
    wav: bytes

    def token(self, name: str, *scopes: str, extra: tuple[str, ...] = ()) -> str:
        """A new token with *scopes*, usable from :data:`CLIENT`."""
        args = [a for s in scopes for a in ("--scope", s)]
        shown = json.loads(ok(self.cli, "api", "token", "add", name, "--party", "Acme CRM",
                              *args, "--permit", "192.0.2.0/28", *extra, "--json"))
        return str(shown["token"])

    def client(self, address: str = CLIENT) -> TestClient:
        """A client of the API, connecting from *address*."""
        return TestClient(create_api(self.app), client=(address, 40000))


def build(app: App, run_cli: CliCall, spool: Path) -> Store:
    """CDRs of three calls and one stored recording."""
    for name in ("cdr_attended_transfer.csv", "cdr_no_answer.csv", "cdr_queue_ringall.csv"):
        insert_rows(app.engine, csvsource.read_records(DATA / name, "node1").rows,
                    CdrSealer(app.master_key))
    store_recording(app, spool, REC_ID, CallInfo(channel="PJSIP/1001-00000001"))
    plain = spool / "plain.wav"
    from tests.audio_tones import tone_wav
    tone_wav(plain, 1.0, 440)
    return Store(app, run_cli, plain.read_bytes())


def bearer(token: str) -> dict[str, str]:
    """The header presenting *token*."""
    return {"Authorization": f"Bearer {token}"}
