"""AMI users for applications: manager.conf denies everything then permits the networks named,
with the classes and event filters asked for; the secret is shown once and kept sealed; the
bridge's own user stays loopback-only; bad input changes nothing; failed logins are recorded
and a burst from one address is reported once."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from sqlalchemy import text

from asterisk_bridge import oplog
from asterisk_bridge.amiusers import sessions, watch
from asterisk_bridge.context import App
from asterisk_bridge.errors import ExitCode
from asterisk_bridge.generator.pbx import node_context, render_pbx
from asterisk_bridge.notifications import bus
from asterisk_bridge.provisioning.secrets import unlocked
from tests.conftest import CliCall
from tests.unit.cli_support import ok


def _manager(app: App) -> str:
    with unlocked(app.master_key):
        return render_pbx(app.engine, node_context(app.config.asterisk, "s"))["manager.conf"]


def _section(conf: str, name: str) -> list[str]:
    body = conf.split(f"[{name}]\n", 1)[1]
    return [line for line in body.split("\n[", 1)[0].splitlines() if line and line[0] != ";"]


def test_an_application_user_is_denied_everywhere_then_permitted(app: App,
                                                                 run_cli: CliCall) -> None:
    shown = json.loads(ok(run_cli, "ami-user", "add", "wallboard", "--party", "Acme CTI",
                          "--permit", "192.0.2.0/24", "--permit", "2001:db8::1",
                          "--event", "Cdr", "--event", "Newchannel", "--json"))
    secret = shown["secret"]
    assert shown["door"] == "ami" and shown["scopes"] == ["read:call", "read:cdr"]
    conf = _manager(app)
    assert _section(conf, "wallboard") == [
        f"secret = {secret}", "deny = 0.0.0.0/0.0.0.0", "permit = 192.0.2.0/255.255.255.0",
        "permit = 2001:db8::1/128", "read = call,cdr", "write = ",
        "eventfilter(action(include),name(Cdr)) =",
        "eventfilter(action(include),name(Newchannel)) ="]
    bridge = _section(conf, app.config.asterisk.ami_user)
    assert [line for line in bridge if line.startswith("permit")] == [
        "permit = 127.0.0.1/255.255.255.255"]
    with app.engine.connect() as conn:
        stored = "\n".join(str(tuple(r)) for t in ("grants", "oplog")
                           for r in conn.execute(text(f"SELECT * FROM {t}")))
    assert secret not in stored


@pytest.mark.parametrize(("args", "field"), [
    (("voco",), "name"),
    (("general",), "name"),
    (("bad;name",), "name"),
    (("app", "--read", "all"), "read"),
    (("app", "--read", "call,bogus"), "read"),
    (("app", "--write", "originate\n[x]"), "write"),
    (("app", "--read", "none"), "read/write"),
    (("app", "--event", "Cdr;x"), "events"),
    (("app", "--permit", "10.0.0.0/40"), "permit"),
])
def test_bad_users_are_refused_and_change_nothing(app: App, run_cli: CliCall,
                                                  args: tuple[str, ...], field: str) -> None:
    before = _manager(app)
    permit = () if "--permit" in args else ("--permit", "192.0.2.10")
    result = run_cli("ami-user", "add", *args, "--party", "Acme", *permit)
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert f"{field}:" in result.output
    assert _manager(app) == before


def test_revoking_removes_the_user_even_while_asterisk_is_away(app: App,
                                                              run_cli: CliCall) -> None:
    ok(run_cli, "ami-user", "add", "wallboard", "--party", "Acme", "--permit", "192.0.2.10")
    out = ok(run_cli, "grants", "revoke", "1", "--reason", "contract ended")
    assert "run 'voco apply'" in out
    assert "[wallboard]" not in _manager(app)


def test_session_listing_is_read_by_user() -> None:
    header = "  Username  IP Address  Start  Elapsed  FileDes  HttpCnt  ReadPerms  WritePerms"
    listing = "\n".join([
        header,
        "  voco       127.0.0.1   1764515000  12  17  0  524287  524287",
        "  wallboard  127.0.0.2   1764515005  7   21  0  6       0",
        "  wallboard  127.0.0.2   1764515006  6   23  0  6       0",
        "2 users connected."])
    assert sessions.session_fds(listing, "wallboard") == ["21", "23"]
    assert sessions.session_fds(listing, "voco") == ["17"]


def _failure(kind: str, address: str, account: str = "intruder") -> dict[str, str]:
    return {"Event": kind, "Privilege": "security,all", "Severity": "Error", "Service": "AMI",
            "EventVersion": "1", "AccountID": account, "SessionID": "0x7f00",
            "LocalAddress": "IPV4/TCP/127.0.0.1/5038",
            "RemoteAddress": f"IPV4/TCP/{address}/50123", "SessionTV": "1764515000-0"}


def test_failed_logins_are_recorded_and_a_burst_is_reported_once(app: App) -> None:
    heard: list[bus.Event] = []
    stop = bus.subscribe(heard.append)
    watcher = watch.AmiLoginWatch(app)
    try:
        async def storm() -> None:
            await watcher.failed(_failure("FailedACL", "192.0.2.66", "wallboard"))
            for _ in range(watch.THRESHOLD + 3):
                await watcher.failed(_failure("InvalidAccountID", "198.51.100.9"))
            await watcher.failed({**_failure("InvalidPassword", "198.51.100.9"),
                                  "Service": "PJSIP"})
        asyncio.run(storm())
    finally:
        stop()
    entries = [(e.command, json.loads(e.args)) for e in
               oplog.entries(app.engine, oplog.Filters(command="ami login"))]
    assert [(c, a["address"]) for c, a in entries] == [
        ("ami login failed", "192.0.2.66"), ("ami login failed", "198.51.100.9"),
        ("ami login failures", "198.51.100.9")]
    assert entries[0][1]["why"] == "address not permitted"
    assert entries[2][1]["count"] == watch.THRESHOLD
    assert [(e.kind, e.key, e.facts["account"]) for e in heard] == [
        ("auth_failures", "198.51.100.9", "intruder")]


def test_a_new_window_records_an_address_again() -> None:
    now = [0.0]
    counter = watch.FailureCounter(clock=lambda: now[0])
    verdicts = [counter.seen("192.0.2.1", "x") for _ in range(watch.THRESHOLD + 1)]
    assert verdicts == ["first", *[None] * (watch.THRESHOLD - 2), "burst", None]
    now[0] = watch.WINDOW_S + 1
    assert counter.seen("192.0.2.1", "x") == "first"
    assert re.fullmatch(r"[\d.]+", watch.remote_address("IPV4/TCP/192.0.2.1/5"))
