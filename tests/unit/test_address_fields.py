"""Every address field renders what was validated, never what the parser tolerated.

Python's ``ipaddress`` accepts any text after an IPv6 ``%`` scope id, so ``'::%1,0.0.0.0/0'``
parsed as a network and was rendered verbatim: PJSIP's ``match`` splits on ',' and the trunk then
matched every IPv4 source. Each field is tried with such payloads through every way in (CLI add
and set, config import, a hand-edited database row, the config file), and must be refused with
the field named, with nothing stored and nothing rendered. The live check that Asterisk's
identify matches only the intended network is in tests/integration/test_trunk_identify.py.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from asterisk_bridge.config import load_config, write_config
from asterisk_bridge.context import App
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.generator.apply import render
from asterisk_bridge.provisioning import trunks, validate
from asterisk_bridge.provisioning.trunks import Trunk
from asterisk_bridge.store.models.provisioning import ProvTrunk
from tests.conftest import CliCall

PAYLOADS = ["::%1,0.0.0.0/0", "::%${SHELL(id)}()/0", "::1%eth0", "fe80::1%1",
            "::%1\nmatch=0.0.0.0/0", "192.0.2.1%1", "2001:db8::%;x/64"]
MARKERS = ("0.0.0.0/0", "SHELL", "eth0", "::%", "%1")


@pytest.fixture
def carrier(app: App, run_cli: CliCall) -> CliCall:
    result = run_cli("trunk", "add", "carrier", "--host", "192.0.2.10",
                     "--identify", "192.0.2.0/24")
    assert result.exit_code == 0, result.output
    return run_cli


def _identify_rendered(app: App) -> list[str]:
    return [ln for ln in render(app)["pjsip.conf"].splitlines() if ln.startswith("match =")]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("argv", [
    ["trunk", "set", "carrier", "--identify", "{p}"],
    ["trunk", "set", "carrier", "--identify", "198.51.100.0/24", "--identify", "{p}"],
    ["trunk", "add", "other", "--host", "192.0.2.20", "--identify", "{p}"],
    ["trunk", "set", "carrier", "--host", "{p}"],
    ["trunk", "add", "other", "--host", "{p}"],
], ids=["set-identify", "set-second-identify", "add-identify", "set-host", "add-host"])
def test_cli_refuses_scope_ids_and_changes_nothing(carrier: CliCall, app: App, payload: str,
                                                   argv: list[str]) -> None:
    before = carrier("trunk", "show", "carrier", "--json").output
    result = carrier(*[a.replace("{p}", payload) for a in argv])
    field = "host" if "--host" in argv and argv[argv.index("--host") + 1] == "{p}" \
        else "identify"
    assert result.exit_code == 2, result.output
    assert f"{field}:" in result.output
    assert carrier("trunk", "show", "carrier", "--json").output == before
    assert [t.name for t in trunks.list_all(app.engine)] == ["carrier"]
    assert _identify_rendered(app) == ["match = 192.0.2.0/24"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_config_import_refuses_them(payload: str) -> None:
    with pytest.raises(ValidationError, match="identify:"):
        Trunk.from_dict({"name": "t", "host": "192.0.2.1", "identify": [payload]})
    with pytest.raises(ValidationError, match="host:"):
        Trunk.from_dict({"name": "t", "host": payload})


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_hand_edited_row_fails_the_render(carrier: CliCall, app: App, payload: str) -> None:
    with Session(app.engine) as s, s.begin():
        s.execute(update(ProvTrunk).values(identify=json.dumps([payload])))
    with pytest.raises(ValidationError, match="identify:"):
        render(app)


@pytest.mark.parametrize("field", ["sip_bind", "ami_host"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_config_file_addresses_refuse_them(app: App, field: str, payload: str) -> None:
    cfg = load_config(app.config.path)
    write_config(replace(cfg, asterisk=replace(cfg.asterisk, **{field: payload})))
    with pytest.raises(ValidationError, match=f"{field}:"):
        render(App.open(app.config.path))


@pytest.mark.parametrize("network", ["0.0.0.0/0", "::/0", "1.2.3.4/0"])
def test_identify_never_matches_every_address(network: str) -> None:
    with pytest.raises(ValidationError, match="matches every address"):
        Trunk(name="t", host="192.0.2.1", identify=(network,))


def test_what_is_rendered_is_the_normalised_form(carrier: CliCall, app: App) -> None:
    result = carrier("trunk", "set", "carrier", "--identify", " 192.0.2.77/24 ",
                     "--identify", "2001:DB8:0:0::1", "--host", " 192.0.2.11")
    assert result.exit_code == 0, result.output
    assert trunks.get(app.engine, "carrier").identify == ("192.0.2.0/24", "2001:db8::1/128")
    assert _identify_rendered(app) == ["match = 192.0.2.0/24", "match = 2001:db8::1/128"]


def test_validators_return_only_plain_addresses() -> None:
    assert validate.ip_address(" 2001:DB8::0:1 ") == "2001:db8::1"
    assert validate.host("sip.example.net") == "sip.example.net"
    assert validate.network("10.1.2.3/8") == "10.0.0.0/8"
    assert validate.bind_address("::") == "[::]"
    assert validate.bind_address("0.0.0.0") == "0.0.0.0"
    for bad in (1, None, ["::1"]):
        with pytest.raises(ValidationError, match="expected text"):
            validate.network(bad)  # type: ignore[arg-type]


def test_an_ipv6_sip_bind_renders_in_brackets(app: App) -> None:
    cfg = load_config(app.config.path)
    write_config(replace(cfg, asterisk=replace(cfg.asterisk, sip_bind="::")))
    assert "bind = [::]:5060" in render(App.open(app.config.path))["pjsip.conf"]


def test_rendered_files_carry_no_payload(carrier: CliCall, app: App) -> None:
    for payload in PAYLOADS:
        carrier("trunk", "set", "carrier", "--identify", payload)
        carrier("trunk", "add", f"x{len(payload)}", "--host", payload)
    text = "".join(render(app).values())
    assert not [m for m in MARKERS if m in text.replace("deny = 0.0.0.0/0.0.0.0", "")]
