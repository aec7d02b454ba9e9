"""Trunks to other Voco nodes: what the rendered PBX files do with the X-Voco-Call header.

Only a trunk marked ``--voco-peer`` sends it (through voco-dial's pre-dial handler, signed) and
only such a trunk's endpoint enters a context that reads it: a header sent by a provider's trunk
or a phone reaches no dialplan that looks at it. The live checks (the header's shape, its MAC and
age, the crossing call listed once) are tests/integration/test_peer_link_live.py and
test_multinode.py.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace

import pytest

from asterisk_bridge.context import App
from asterisk_bridge.errors import ConfigError
from asterisk_bridge.generator.apply import render
from asterisk_bridge.generator.conffile import Section, sections
from asterisk_bridge.generator.diff import mask
from asterisk_bridge.masterkey.keyfile import load_master_key
from asterisk_bridge.provisioning import peermac
from tests.conftest import CliCall


@pytest.fixture
def provisioned(app: App, run_cli: CliCall) -> App:
    """A phone, a provider trunk, a trunk to node B (both identified by address), and an
    outbound route trying node B first, then the provider."""
    for argv in (["extension", "add", "1001", "--name", "Alice"],
                 ["trunk", "add", "carrier", "--host", "192.0.2.1", "--identify", "192.0.2.0/24"],
                 ["trunk", "add", "node-b", "--host", "198.51.100.2", "--voco-peer",
                  "--identify", "198.51.100.2"],
                 ["route", "outbound", "add", "out", "--pattern", "_9.", "--trunk", "node-b",
                  "--trunk", "carrier", "--strip", "1"],
                 ["route", "inbound", "add", "5550100", "--to", "extension:1001"]):
        result = run_cli(*argv)
        assert result.exit_code == 0, result.output
    return app


def _by_name(text: str) -> dict[str, Section]:
    return {s.name: s for s in sections(text)}


def _endpoints(files: dict[str, str]) -> dict[str, str | None]:
    return {s.name: s.get("context") for s in sections(files["pjsip.conf"])
            if s.get("type") == "endpoint"}


def _targets(section: Section) -> set[str]:
    """Contexts a context hands a call to: includes, and literal Goto/Gosub targets."""
    found = set(section.values("include"))
    for _, value in section.options:
        found.update(re.findall(r"\b(?:Goto|Gosub)\((voco-[a-z-]+),", value))
    return found


def _reachable(contexts: dict[str, Section], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in seen or name not in contexts:
            continue
        seen.add(name)
        todo.extend(_targets(contexts[name]))
    return seen


def test_only_a_peer_trunks_endpoint_reaches_the_header(provisioned: App) -> None:
    files = render(provisioned)
    dialplan = _by_name(files["extensions.conf"])
    endpoints = _endpoints(files)
    assert endpoints["trunk-node-b"] == "voco-peer-inbound"
    assert endpoints["trunk-carrier"] == "voco-inbound"
    readers = {name for name, s in dialplan.items()
               if any("X-Voco-Call" in v and "read" in v for _, v in s.options)}
    assert readers == {"voco-peer-link"}
    for endpoint, context in endpoints.items():
        reached = "voco-peer-link" in _reachable(dialplan, str(context))
        assert reached == (endpoint == "trunk-node-b"), endpoint
    # A phone or provider that sends the header: nothing that runs for it reads it.
    assert "voco-peer-link" not in _reachable(dialplan, "voco-secure-inbound")


def test_the_header_is_believed_only_in_its_strict_shape_and_signed(provisioned: App) -> None:
    link = _by_name(render(provisioned)["extensions.conf"])["voco-peer-link"]
    lines = [v for _, v in link.options]
    # The raw header reaches LEN() and FILTER() only: FILTER removed nothing (no ; , space,
    # quote or line break), and it holds node/linkedid, the time and the MAC: at most 74 + 52 ...
    raw = [v for v in lines if "PJSIP_HEADER" in v]
    assert raw == ["s,1,Set(LOCAL(sent)=${LEN(${PJSIP_HEADER(read,X-Voco-Call)})})",
                   r"n,Set(LOCAL(signed)=${FILTER(0-9A-Za-z._/\x2d,"
                   "${PJSIP_HEADER(read,X-Voco-Call)})})"]
    assert "${LEN(${LOCAL(signed)})} != ${LOCAL(sent)}" in lines[2] and "> 126" in lines[2]
    assert ("^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9._-]*/[1-9][0-9]{9}/[0-9a-f]{40}$"
            in lines[3])
    assert lines[4:6] == ["n,Set(LOCAL(call)=${signed:0:-52})", "n,Set(LOCAL(at)=${signed:-51:10})"]
    # ... signed within the window either way, with secrets that are there ...
    window = peermac.WINDOW
    assert lines[6] == (f"n,GotoIf($[${{EPOCH}} - ${{at}} > {window} "
                        f"| ${{at}} - ${{EPOCH}} > {window}]?done)")
    assert lines[7] == ("n,GotoIf($[${LEN(${VOCO_PEER_INNER_SECRET}${VOCO_PEER_OUTER_SECRET})} "
                        "!= 128]?done)")
    # ... and MAC'd by a node holding them, before node/linkedid becomes the accountcode.
    assert lines[8] == ("n,GotoIf($[\"${SHA1(${VOCO_PEER_OUTER_SECRET}"
                        "${SHA1(${VOCO_PEER_INNER_SECRET}${signed:0:-41})})}\" "
                        "!= \"${signed:-40}\"]?done)")
    assert lines[9] == "n,Set(CHANNEL(accountcode)=voco:${call})"


def test_calls_out_through_a_peer_trunk_name_this_node_and_call(provisioned: App) -> None:
    dialplan = _by_name(render(provisioned)["extensions.conf"])
    out = [v for _, v in dialplan["voco-out-out"].options]
    at = next(i for i, v in enumerate(out) if "@trunk-node-b," in v)
    assert out[at - 1] == "n,Set(VOCO_PEER_LINK=1)" and out[at + 1] == "n,Set(VOCO_PEER_LINK=)"
    carrier = next(i for i, v in enumerate(out) if "@trunk-carrier," in v)
    assert "VOCO_PEER_LINK" not in out[carrier - 1]
    handler = [v for _, v in dialplan["voco-peer-out"].options]
    assert handler[:2] == [
        r"s,1,Set(LOCAL(call)=node1/${FILTER(0-9A-Za-z._\x2d,${CHANNEL(linkedid)})}/${EPOCH})",
        "n,Set(PJSIP_HEADER(add,X-Voco-Call)=${call}/${SHA1(${VOCO_PEER_OUTER_SECRET}"
        "${SHA1(${VOCO_PEER_INNER_SECRET}${call})})})"]
    dials = [v for _, v in dialplan["voco-dial"].options if ",Dial(" in v]
    assert len(dials) == 3 and all(v.endswith("${LOCAL(link)})") for v in dials)


def test_the_mac_secrets_come_from_the_master_key_and_are_masked(provisioned: App,
                                                                 run_cli: CliCall) -> None:
    text = render(provisioned)["extensions.conf"]
    keys = peermac.secrets(load_master_key(provisioned.config.master_key_file))
    assert set(keys) == {peermac.INNER_GLOBAL, peermac.OUTER_GLOBAL}
    assert len(set(keys.values())) == 2 and all(len(v) == 64 for v in keys.values())
    globals_ = dict(opt for s in sections(text) if s.name == "globals" for opt in s.options)
    assert {k: globals_[k] for k in keys} == keys
    masked = mask(text, b"k" * 32)
    assert not any(v in masked for v in keys.values())
    # A node without peer trunks holds no secret it does not use.
    ok = run_cli("trunk", "set", "node-b", "--no-voco-peer")
    assert ok.exit_code == 0, ok.output
    assert not any(v in render(provisioned)["extensions.conf"] for v in keys.values())


def test_the_mac_is_the_nested_sha1_of_the_payload() -> None:
    keys = {peermac.INNER_GLOBAL: "1" * 64, peermac.OUTER_GLOBAL: "2" * 64}
    header = peermac.header(keys, "node-a/1796062085.12", 1796062090)
    payload, mac = header.rsplit("/", 1)
    assert payload == "node-a/1796062085.12/1796062090"
    inner = hashlib.sha1(("1" * 64 + payload).encode()).hexdigest()
    assert mac == hashlib.sha1(("2" * 64 + inner).encode()).hexdigest()


def test_a_node_name_too_long_for_the_header_fails_the_render(provisioned: App) -> None:
    provisioned.config = replace(provisioned.config, asterisk=replace(
        provisioned.config.asterisk, node="n" * 33))
    with pytest.raises(ConfigError, match="--no-voco-peer"):
        render(provisioned)


def test_voco_peer_is_off_by_default_and_can_be_turned_off(provisioned: App,
                                                           run_cli: CliCall) -> None:
    shown = json.loads(run_cli("trunk", "show", "carrier", "--json").output)
    assert shown["voco_peer"] is False
    result = run_cli("trunk", "set", "node-b", "--no-voco-peer", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["voco_peer"] is False
    assert _endpoints(render(provisioned))["trunk-node-b"] == "voco-inbound"
