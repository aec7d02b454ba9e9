"""The REST API door on a call recorded by real Asterisk.

The sandbox records a two-party call (the contract MixMonitor of ``test_recording_store``), the
real bridge stores the recording encrypted and captures the call's CDRs, then ``voco api serve``
runs as its own process on a free loopback port. Over HTTP a token scoped ``cdr:read`` and
``recordings:read`` lists the call's CDRs and downloads the audio, which must be byte for byte
what ``voco recording export`` gives; the download is in the operation log with the token's name
and the client's address, and a wrong token gets 401 and nothing else.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.cdr.capture import CdrCapture
from asterisk_bridge.context import App
from asterisk_bridge.recording.capability_store import RecordingStore
from asterisk_bridge.store.models.recording import Recording
from tests.conftest import CliCall
from tests.integration.bridge_process import VOCO
from tests.integration.test_recording_store import (
    audio,
    originate,
    rec_app,  # noqa: F401 - fixture
    rows,
)
from tests.polling import wait_for

pytestmark = pytest.mark.asterisk
TOKEN_NAME = "crm-live"


def free_port() -> int:
    """A loopback port nothing listens on (the kernel's pick)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def recorded_call(app: App) -> Recording:
    """One call recorded by the sandbox, stored and its CDRs captured by the real bridge."""

    async def main() -> None:
        async with Bridge(app, capabilities=[RecordingStore(app), CdrCapture(app)]):
            await asyncio.to_thread(originate, app, 3)
            await asyncio.to_thread(wait_for, lambda: rows(app), "the recording's row")

    asyncio.run(main())
    [row] = rows(app)
    return row


@pytest.fixture
def api_url(rec_app: App, run_cli: CliCall, tmp_path: Path) -> Iterator[str]:  # noqa: F811
    """``voco api serve`` as a process on a free loopback port; its base URL."""
    port = free_port()
    enabled = run_cli("api", "enable", "--port", str(port))
    assert enabled.exit_code == 0, enabled.output
    log = tmp_path / "api.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([VOCO, "--config", str(rec_app.config.path), "api", "serve"],
                                stdout=out, stderr=out, start_new_session=True)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert proc.poll() is None, log.read_text()
        try:
            return httpx.get(f"{url}/openapi.json").status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(up, "the API to listen")
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def test_api_serves_a_real_recording_and_its_cdrs(rec_app: App, run_cli: CliCall,  # noqa: F811
                                                   api_url: str, tmp_path: Path) -> None:
    app = rec_app
    row = recorded_call(app)
    added = run_cli("api", "token", "add", TOKEN_NAME, "--party", "Acme CRM",
                    "--scope", "cdr:read", "--scope", "recordings:read",
                    "--permit", "127.0.0.1/32", "--json")
    assert added.exit_code == 0, added.output
    token = json.loads(added.output)["token"]
    exported = tmp_path / "export.wav"
    result = run_cli("recording", "export", row.id, "-o", str(exported))
    assert result.exit_code == 0, result.output

    with httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {token}"},
                      timeout=None) as client:
        cdrs = client.get("/v1/cdr", params={"limit": 500})
        assert cdrs.status_code == 200, cdrs.text
        ours = [c for c in cdrs.json()["items"] if c["linkedid"] == row.linkedid]
        assert ours and any(c["disposition"] == "ANSWERED" for c in ours), cdrs.json()
        assert any(c["channel"] == row.channel for c in ours), (row.channel, ours)

        listed = client.get("/v1/recordings", params={"linkedid": row.linkedid})
        assert listed.status_code == 200, listed.text
        assert [r["id"] for r in listed.json()["items"]] == [row.id]

        got = client.get(f"/v1/recordings/{row.id}/audio")
        assert got.status_code == 200, got.text
        assert got.headers["content-type"] == "audio/wav"
    assert len(got.content) == row.plain_size
    assert got.content == exported.read_bytes() == audio(app, row.id)

    logged = json.loads(run_cli("oplog", "list", "--command", "api recording audio",
                                "--json").output)
    assert [(e["args"]["id"], e["args"]["name"], e["args"]["client"], e["actor"], e["result"])
            for e in logged] == [(row.id, TOKEN_NAME, "127.0.0.1", f"api token {TOKEN_NAME}",
                                  "ok")], logged

    wrong = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for path in ("/v1/cdr", f"/v1/recordings/{row.id}/audio"):
        refused = httpx.get(f"{api_url}{path}", headers={"Authorization": f"Bearer {wrong}"})
        assert refused.status_code == 401, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert row.linkedid not in refused.text and row.id not in refused.text
        assert refused.content[:4] != b"RIFF" and len(refused.content) < 1000
    after = json.loads(run_cli("oplog", "list", "--command", "api", "--json").output)
    assert [e["command"] for e in after] == ["api enable", "api token add", "api cdr list",
                                             "api recording list", "api recording audio"], after
