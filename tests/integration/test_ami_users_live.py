"""AMI users for applications on a real Asterisk: a permitted client sees Cdr and call events
and cannot Originate with no write class, one limited to Cdr events gets only those; the wrong
address and the wrong secret are refused and recorded by the bridge; the bridge's own user logs
in from this host only; each user's first login from an address is noted on its grant and
raises grant_new_address; revoking the user kicks its live session at once, and so does the
bridge once the user's grant lapses."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from asterisk_bridge import oplog
from asterisk_bridge.amiusers.watch import AmiLoginWatch
from asterisk_bridge.bridge.runner import Bridge
from asterisk_bridge.context import App
from asterisk_bridge.grants import addresses
from asterisk_bridge.grants.capability import GrantExpiry
from asterisk_bridge.notifications import bus
from asterisk_bridge.sandbox.instance import Instance
from asterisk_bridge.store.models.grants import Grant
from tests.conftest import CliCall
from tests.integration.provision_support import attach, ok
from tests.polling import await_for

pytestmark = pytest.mark.asterisk
APP_ADDRESS = "127.0.0.2"  # a loopback address of its own: AMI stays bound to loopback


class Client:
    """A raw AMI client bound to a source address, reading whole messages."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.messages: list[dict[str, str]] = []

    @classmethod
    async def connect(cls, port: int, source: str) -> Client:
        reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                      local_addr=(source, 0))
        await reader.readline()  # the banner
        return cls(reader, writer)

    async def send(self, **headers: str) -> None:
        self.writer.write("".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode()
                          + b"\r\n")
        await self.writer.drain()

    async def next(self) -> dict[str, str] | None:
        """The next message, or None when Asterisk closed the connection."""
        raw = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 60)
        msg = dict(line.split(": ", 1) for line in raw.decode().split("\r\n") if ": " in line)
        self.messages.append(msg)
        return msg

    async def response(self, action_id: str) -> dict[str, str]:
        while True:
            msg = await self.next()
            if msg is not None and msg.get("ActionID") == action_id:
                return msg

    async def login(self, user: str, secret: str) -> dict[str, str]:
        await self.send(Action="Login", Username=user, Secret=secret, ActionID="login")
        return await self.response("login")

    async def closed(self) -> bool:
        try:
            while await asyncio.wait_for(self.reader.read(65536), 60):
                pass
        except ConnectionResetError:
            pass
        return True


async def _attempt(port: int, source: str, user: str, secret: str) -> dict[str, str]:
    client = await Client.connect(port, source)
    try:
        return await client.login(user, secret)
    finally:
        client.writer.close()


def _failures(app: App) -> list[dict[str, object]]:
    return [json.loads(e.args) for e in
            oplog.entries(app.engine, oplog.Filters(command="ami login failed"))]


def _used_from(app: App, grant_id: int) -> list[str]:
    with app.engine.connect() as conn:
        return [address for address, _ in addresses.seen(conn, grant_id)]


def test_an_application_user_on_real_asterisk(run_cli: CliCall, config_path: Path,
                                              asterisk: Instance) -> None:
    ok(run_cli("init"))
    attach(config_path, asterisk)
    added = json.loads(ok(run_cli("ami-user", "add", "wallboard", "--party", "Acme CTI",
                                  "--permit", APP_ADDRESS, "--json")).output)
    only_cdr = json.loads(ok(run_cli("ami-user", "add", "billing", "--party", "Acme billing",
                                     "--permit", APP_ADDRESS, "--read", "cdr,call",
                                     "--event", "Cdr", "--json")).output)
    ok(run_cli("apply"))
    app = App.open(config_path)
    port, secret = asterisk.info().ami_port, added["secret"]
    bridge_secret = asterisk.info().ami_secret

    heard: list[bus.Event] = []

    async def scenario() -> None:
        async with Bridge(app, capabilities=[AmiLoginWatch(app)]):
            client = await Client.connect(port, APP_ADDRESS)
            assert (await client.login("wallboard", secret))["Response"] == "Success"
            await client.send(Action="Originate", Channel="Local/talk-1@sandbox-calls/n",
                              Context="phone", Exten="alice-n-1-2", Priority="1",
                              Async="true", ActionID="orig")
            refused = await client.response("orig")
            assert refused["Response"] == "Error" and "ermission" in refused["Message"]
            await await_for(lambda: bool(_used_from(app, added["id"])),
                            "the login noted on the grant")
            assert _used_from(app, added["id"]) == [APP_ADDRESS]
            assert [(e.facts["grant"], e.facts["address"]) for e in heard
                    if e.kind == "grant_new_address"] == [("wallboard", APP_ADDRESS)]
            billing = await Client.connect(port, APP_ADDRESS)
            assert (await billing.login("billing", only_cdr["secret"]))["Response"] == "Success"
            asterisk.rx("channel originate Local/talk-1@sandbox-calls/n extension "
                        "alice-n-1-2@phone")
            while not any(m.get("Event") == "Cdr" for m in client.messages):
                await client.next()
            assert any(m.get("Event") == "Newchannel" for m in client.messages)
            while not any(m.get("Event") == "Cdr" for m in billing.messages):
                await billing.next()
            assert {m["Event"] for m in billing.messages if "Event" in m} == {"Cdr"}

            wrong_place = await _attempt(port, "127.0.0.1", "wallboard", secret)
            wrong_secret = await _attempt(port, APP_ADDRESS, "wallboard", "not-the-secret")
            bridge_elsewhere = await _attempt(port, APP_ADDRESS, "voco", bridge_secret)
            for answer in (wrong_place, wrong_secret, bridge_elsewhere):
                assert answer["Response"] == "Error", answer
            await await_for(lambda: len(_failures(app)) >= 2, "the failed logins recorded")
            await await_for(lambda: bool(_used_from(app, only_cdr["id"])),
                            "the second user's login noted on its grant")
            whys = {(f["address"], f["why"]) for f in _failures(app)}
            assert ("127.0.0.1", "address not permitted") in whys
            assert (APP_ADDRESS, "wrong secret") in whys or (
                APP_ADDRESS, "address not permitted") in whys

            revoked = await asyncio.to_thread(
                run_cli, "grants", "revoke", str(added["id"]), "--reason", "contract ended")
            ok(revoked)
            assert "1 live session(s) kicked" in revoked.output
            assert await client.closed()
            again = await _attempt(port, APP_ADDRESS, "wallboard", secret)
            assert again["Response"] == "Error"

    stop = bus.subscribe(heard.append)
    try:
        asyncio.run(scenario())
    finally:
        stop()
    # The second application logged in from the same address: new for its own grant only.
    assert _used_from(app, only_cdr["id"]) == [APP_ADDRESS]
    assert [e.facts["grant"] for e in heard if e.kind == "grant_new_address"] == [
        "wallboard", "billing"]
    assert "[wallboard]" not in (asterisk.etc_dir / "manager.conf").read_text()


def test_the_bridge_expires_a_lapsed_user_and_kicks_its_session(
        run_cli: CliCall, config_path: Path, asterisk: Instance) -> None:
    ok(run_cli("init"))
    attach(config_path, asterisk)
    added = json.loads(ok(run_cli("ami-user", "add", "wallboard", "--party", "Acme CTI",
                                  "--permit", APP_ADDRESS, "--until", "2099-01-01",
                                  "--json")).output)
    ok(run_cli("apply"))
    app = App.open(config_path)
    port = asterisk.info().ami_port

    def lapse() -> None:
        with app.engine.begin() as conn:
            conn.execute(update(Grant).where(Grant.id == added["id"]).values(
                until=(datetime.now(UTC) - timedelta(seconds=1)).isoformat(timespec="seconds")))

    def expired() -> list[dict[str, object]]:
        return [json.loads(e.args) | {"message": e.message, "actor": e.actor} for e in
                oplog.entries(app.engine, oplog.Filters(command="grants expire"))]

    async def scenario() -> None:
        async with Bridge(app, capabilities=[GrantExpiry(app, every_s=0.5)]):
            client = await Client.connect(port, APP_ADDRESS)
            assert (await client.login("wallboard", added["secret"]))["Response"] == "Success"
            await asyncio.to_thread(lapse)  # nobody runs 'voco grants expire'
            assert await client.closed()  # the bridge's round kicked the live session
            await await_for(lambda: bool(expired()), "the expiry in the operation log")
            again = await _attempt(port, APP_ADDRESS, "wallboard", added["secret"])
            assert again["Response"] == "Error"

    asyncio.run(scenario())
    [entry] = expired()
    assert entry["grant"] == added["id"] and entry["door"] == "ami"
    assert "1 live session(s) kicked" in str(entry["message"])
    assert str(entry["actor"]).startswith("voco-bridge")
    assert "[wallboard]" not in (asterisk.etc_dir / "manager.conf").read_text()
    listed = json.loads(ok(run_cli("grants", "list", "--all", "--json")).output)
    assert [(g["name"], g["state"]) for g in listed] == [("wallboard", "expired")]
