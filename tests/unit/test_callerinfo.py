"""Popup URL and CRM lookup, against a local HTTP server: closed by default; URLs HTTPS unless
loopback; the popup request signed over timestamp and body, retried a bounded number of times;
the CRM's name taken from its JSON path within the deadline, cached in memory, and nothing (no
name, no wait beyond the deadline) from a slow or failing CRM."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json

import httpx
import pytest

from asterisk_bridge.callerinfo import lookup, popup, settings
from asterisk_bridge.context import App
from asterisk_bridge.errors import ExitCode, ValidationError
from asterisk_bridge.generator.pbx import node_context, render_pbx
from asterisk_bridge.provisioning.secrets import unlocked
from tests.conftest import CliCall
from tests.http_receiver import receiver
from tests.unit.cli_support import ok


def _dialplan(app: App) -> str:
    with unlocked(app.master_key):
        files = render_pbx(app.engine, node_context(app.config.asterisk, "s"))
    return files["extensions.conf"]


@pytest.mark.parametrize(("value", "template"), [
    ("http://crm.example/x?n={number}", True),  # plain HTTP off this host
    ("https://user:pw@crm.example/?n={number}", True),
    ("https://crm.example/find", True),  # no {number}
    ("https://crm.example/{number}/{number}", True),
    ("ftp://crm.example/{number}", True),
    ("https://popup.example/in\ncoming", False),
    ("https://popup.example/{number}", False),
])
def test_urls_are_https_unless_loopback(value: str, template: bool) -> None:
    with pytest.raises(ValidationError, match=r"^url:"):
        settings.url(value, template=template)
    assert settings.url("http://127.0.0.1:8080/in") == "http://127.0.0.1:8080/in"
    assert settings.url("https://crm.example/f?p={number}", template=True)


def test_the_popup_request_is_signed_and_retried_boundedly() -> None:
    with receiver() as rx:
        rx.status = 500

        async def go() -> tuple[bool, bool]:
            async with httpx.AsyncClient() as client:
                failed = await popup.send(client, rx.base + "/in", "k3y", {"caller_number": "1"})
                rx.status = 204
                sent = await popup.send(client, rx.base + "/in", "k3y",
                                        {"caller_number": "+442079460000"})
                return failed, sent

        failed, sent = asyncio.run(go())
    assert not failed and sent
    assert len(rx.seen) == 1 + popup.RETRIES + 1
    last = rx.seen[-1]
    stamp = last.headers["X-Voco-Timestamp"]
    expected = hmac.new(b"k3y", stamp.encode() + b"." + last.body, hashlib.sha256).hexdigest()
    assert last.headers["X-Voco-Signature"] == f"sha256={expected}"
    assert json.loads(last.body) == {"caller_number": "+442079460000"}


def test_the_crm_name_comes_from_its_json_path_and_is_cached() -> None:
    with receiver() as rx:
        rx.answer = {"contacts": [{"display": {"name": 'Ada "Countess"\nLovelace'}}]}
        crm = lookup.CrmLookup(rx.base + "/find?phone={number}", "contacts.display.name", 1.0,
                               "Authorization: Bearer crm-key")

        async def go() -> list[str | None]:
            async with httpx.AsyncClient() as client:
                return [await crm.name_for(client, "+442079460000") for _ in range(2)]

        names = asyncio.run(go())
    assert names == ["Ada Countess Lovelace"] * 2
    assert len(rx.seen) == 1  # the second came from the in-memory cache
    assert rx.seen[0].path == "/find?phone=%2B442079460000"
    assert rx.seen[0].headers["Authorization"] == "Bearer crm-key"


@pytest.mark.parametrize(("status", "delay"), [(500, 0.0), (200, 3.0), (404, 0.0)])
def test_a_slow_or_failing_crm_gives_no_name(status: int, delay: float) -> None:
    with receiver() as rx:
        rx.status, rx.delay_s, rx.answer = status, delay, {"name": "Should Not Appear"}
        crm = lookup.CrmLookup(rx.base + "/?n={number}", "name", 0.3)

        async def go() -> str | None:
            async with httpx.AsyncClient() as client:
                return await crm.name_for(client, "1001")

        assert asyncio.run(go()) is None


def test_doors_are_closed_until_added_and_shape_the_inbound_dialplan(
        app: App, run_cli: CliCall) -> None:
    ok(run_cli, "extension", "add", "1001", "--transport", "udp")
    ok(run_cli, "route", "inbound", "add", "5550100", "--to", "extension:1001")
    closed = _dialplan(app)
    assert "voco-doors" not in closed
    out = ok(run_cli, "popup", "add", "cti", "--party", "Acme CTI", "--url",
             "http://127.0.0.1:9/in")
    assert "signing key (shown once" in out
    ok(run_cli, "crm", "add", "crm", "--party", "Acme", "--url",
       "https://crm.example/f?p={number}", "--name-path", "name", "--deadline-ms", "800")
    opened = _dialplan(app)
    assert "exten => 5550100,1,Gosub(voco-doors,s,1(${FILTER(0123456789*#+,${EXTEN})}))" \
        in opened
    assert "${LOCAL(ticks)} >= 16]?done)" in opened
    listed = json.loads(ok(run_cli, "grants", "list", "--json"))
    assert {(g["door"], g["options"]["to"]) for g in listed} == {
        ("popup", "127.0.0.1"), ("crm", "crm.example")}
    twice = run_cli("crm", "add", "other", "--party", "X", "--url",
                    "https://crm.example/f?p={number}", "--name-path", "name")
    assert twice.exit_code == ExitCode.BAD_INPUT and "open already" in twice.output
    for bad in (("--url", "http://crm.example/?p={number}"), ("--name-path", "a..b"),
                ("--deadline-ms", "60000")):
        args = {"--url": "https://crm.example/?p={number}", "--name-path": "name",
                "--deadline-ms": "800", bad[0]: bad[1]}
        result = run_cli("crm", "add", "x", "--party", "X",
                         *[v for kv in args.items() for v in kv])
        assert result.exit_code == ExitCode.BAD_INPUT, result.output
