"""AMI and ARI set to listen beyond loopback, on a real Asterisk: only TLS is offered there.

The node's AMI (``ami_host``) and ARI (``ari_url``) are set to this machine's own network
address. ``voco apply`` then renders TLS listeners on that address (with the node's
certificate, issued for it) and keeps the plain listeners on loopback. What this shows:

- ``voco apply`` reaches AMI and the bridge connects both links: Voco on this host uses the
  loopback listeners, which never cross a network;
- an application's AMI user logs in over TLS on the network address, its client verifying the
  node's certificate against Voco's CA; ARI answers over HTTPS there with the bridge's user;
- in clear on the network address, AMI and HTTP are refused (nothing listens), and a plain AMI
  client talking to the TLS port gets no banner, HTTP to the HTTPS port no response.

Skipped on a machine whose only IPv4 address is loopback.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import ssl
import subprocess
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.config import load_config, write_config
from asterisk_bridge.context import App
from asterisk_bridge.sandbox import ports
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.tls.store import TlsStore
from tests.conftest import CliCall
from tests.integration.provision_support import attach, ok

pytestmark = pytest.mark.asterisk
BANNER = b"Asterisk Call Manager"


def _network_address() -> str:
    """This machine's first global IPv4 address (skips the test if it has none)."""
    shown = json.loads(subprocess.run(["ip", "-j", "-4", "addr", "show", "scope", "global"],
                                      capture_output=True, text=True, check=True).stdout)
    for link in shown:
        for addr in link.get("addr_info", []):
            if not ipaddress.ip_address(addr["local"]).is_loopback:
                return str(addr["local"])
    pytest.skip("no IPv4 address beyond loopback to bind AMI and ARI to")


async def _ami_over_tls(host: str, port: int, ca: Path, user: str, secret: str) -> str:
    """Log in over TLS (verifying the node's certificate for *host*); the login's answer."""
    context = ssl.create_default_context(cafile=str(ca))
    reader, writer = await asyncio.open_connection(host, port, ssl=context,
                                                  server_hostname=host)
    try:
        banner = await reader.readline()
        assert banner.startswith(BANNER), banner
        writer.write(f"Action: Login\r\nUsername: {user}\r\nSecret: {secret}\r\n\r\n".encode())
        return (await reader.readuntil(b"\r\n\r\n")).decode()
    finally:
        writer.close()


async def _plain_ami(host: str, port: int, user: str, secret: str) -> bytes:
    """Talk AMI in clear to *port*: everything it answers until it closes the connection."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(f"Action: Login\r\nUsername: {user}\r\nSecret: {secret}\r\n\r\n".encode())
        await writer.drain()
        return await reader.read()
    finally:
        writer.close()


def test_ami_and_ari_beyond_loopback_speak_only_tls(config_path: Path, asterisk: Instance,
                                                   run_cli: CliCall) -> None:
    host = _network_address()
    ok(run_cli("init"))
    attach(config_path, asterisk)
    cfg = load_config(config_path)
    info = asterisk.info()
    ami_tls_port = ports.free_tcp_port(host)
    write_config(replace(cfg, asterisk=replace(
        cfg.asterisk, ami_host=host, ami_tls_port=ami_tls_port,
        ari_url=f"http://{host}:{info.http_port}")))
    ok(run_cli("tls", "create", "--host", host))
    added = json.loads(ok(run_cli("ami-user", "add", "wallboard", "--party", "Acme CTI",
                                  "--permit", host, "--json")).output)
    ok(run_cli("apply"))  # it reaches AMI (on loopback) to reload and prove the files live
    app = App.open(config_path)
    tls = TlsStore.of(app.config).require()
    assert tls.ca is not None
    assert f"{host}:{ami_tls_port}" in asterisk.rx("manager show settings")
    assert f"HTTPS Server Enabled and Bound to {host}:{info.https_port}" in \
        asterisk.rx("http show status")

    async def scenario() -> None:
        async with Bridge(app) as bridge:
            assert {k: v.state for k, v in bridge.status.links.items()} == \
                {"ami": "connected", "ari": "connected"}
            answer = await _ami_over_tls(host, ami_tls_port, tls.ca, "wallboard",
                                         added["secret"])
            assert "Response: Success" in answer, answer
            with pytest.raises(ConnectionRefusedError):
                await _plain_ami(host, info.ami_port, "wallboard", added["secret"])
            in_clear = await _plain_ami(host, ami_tls_port, "wallboard", added["secret"])
            assert BANNER not in in_clear and b"Success" not in in_clear, in_clear

    asyncio.run(scenario())

    ari_secret = Path(app.config.asterisk.ari_secret_file).read_text().strip()
    auth = (app.config.asterisk.ari_user, ari_secret)
    with httpx.Client(verify=ssl.create_default_context(cafile=str(tls.ca))) as https:
        got = https.get(f"https://{host}:{info.https_port}/ari/asterisk/info", auth=auth)
        assert got.status_code == 200 and "system" in got.json(), got.text
    with httpx.Client() as plain:
        with pytest.raises(httpx.ConnectError):
            plain.get(f"http://{host}:{info.http_port}/ari/asterisk/info", auth=auth)
        with pytest.raises(httpx.HTTPError):
            plain.get(f"http://{host}:{info.https_port}/ari/asterisk/info", auth=auth)
