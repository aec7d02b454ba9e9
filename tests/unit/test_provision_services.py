"""Provisioning services and rendering, without Asterisk: validation, secrets, references,
ordering, privacy defaults, and what reaches the operation log and the database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from asterisk_bridge import oplog
from asterisk_bridge.context import App
from asterisk_bridge.errors import CryptoError, ValidationError
from asterisk_bridge.generator import diff, reload
from asterisk_bridge.generator.apply import render
from asterisk_bridge.provisioning import (
    conferences,
    extensions,
    queues,
    routes,
    secrets,
    speeddials,
    trunks,
)
from asterisk_bridge.provisioning.conferences import Conference
from asterisk_bridge.provisioning.extensions import Extension
from asterisk_bridge.provisioning.queues import Queue
from asterisk_bridge.provisioning.routes import InboundRoute, OutboundRoute
from asterisk_bridge.provisioning.speeddials import SpeedDial
from asterisk_bridge.provisioning.trunks import Trunk
from tests.conftest import CliCall


def _ok(result: object) -> str:
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    return str(result.output)  # type: ignore[attr-defined]


@pytest.mark.parametrize("spec", [
    Extension(number="1001", name="Alice Smith", email="a@example.com", mobile="+4412345",
              voicemail=True),
    Trunk(name="carrier", host="sip.example.net", username="acct", register=True,
          identify=("192.0.2.0/24", "198.51.100.7")),
    InboundRoute(did="+4420123", target_kind="queue", target="support"),
    OutboundRoute(name="natl", pattern="_0[1-9]X.", trunks=("a", "b"), strip=1, prepend="44",
                  position=2),
    SpeedDial(code="*71", number="0123456", name="Office"),
    Conference(name="board", number="7001", max_members=10),
    Queue(name="support", number="6001", strategy="rrmemory", members=("1001", "1002")),
])
def test_specs_round_trip_through_plain_data(spec: object) -> None:
    data = spec.to_dict()  # type: ignore[attr-defined]
    assert json.loads(json.dumps(data)) == data
    assert type(spec).from_dict(data) == spec  # type: ignore[attr-defined]


def test_from_dict_names_unknown_fields_and_validates() -> None:
    with pytest.raises(ValidationError, match=r"unknown field.*colour"):
        Extension.from_dict({"number": "1001", "name": "A", "colour": "red"})
    with pytest.raises(ValidationError, match=r"^identify:"):
        Trunk.from_dict({"name": "t", "host": "h.example", "identify": ["not-a-net"]})
    with pytest.raises(ValidationError, match=r"^register: a registering trunk needs a username"):
        Trunk(name="t", host="192.0.2.1", register=True)
    with pytest.raises(ValidationError, match=r"^host: .*IPv6"):
        Trunk(name="t", host="2001:db8::1")
    with pytest.raises(ValidationError, match=r"^name: 'general' is reserved"):
        Queue(name="general", number="6001")
    with pytest.raises(ValidationError, match=r"^strip:"):
        OutboundRoute(name="o", pattern="_9X.", trunks=("t",), strip=99)


def test_sealed_secrets_open_only_with_their_key_and_label() -> None:
    key, other = bytes(32), bytes([1]) * 32
    blob = secrets.seal(key, "extension:1001:sip", "s3cret-value-123")
    assert b"s3cret" not in blob
    assert secrets.unseal(key, "extension:1001:sip", blob) == "s3cret-value-123"
    with pytest.raises(CryptoError, match=r"extension:1002:sip"):
        secrets.unseal(key, "extension:1002:sip", blob)
    with pytest.raises(CryptoError):
        secrets.unseal(other, "extension:1001:sip", blob)
    assert len(secrets.generate()) >= 32


def test_generated_secret_is_shown_once_never_logged_or_stored_in_clear(
        app: App, run_cli: CliCall, tmp_path: Path) -> None:
    out = json.loads(_ok(run_cli("extension", "add", "1001", "--name", "Alice", "--json")))
    secret = out["secret"]
    assert extensions.secret(app.engine, app.master_key, "1001") == secret
    assert secret not in _ok(run_cli("extension", "show", "1001", "--json"))
    assert secret not in _ok(run_cli("extension", "list"))
    logged = [(e.args, e.message) for e in oplog.entries(app.engine, oplog.Filters())]
    assert logged and secret not in json.dumps(logged)
    raw = b"".join(p.read_bytes() for p in Path(app.config.data_dir).glob("voco.db*"))
    assert raw and secret.encode() not in raw
    new = json.loads(_ok(run_cli("extension", "set", "1001", "--new-secret", "--json")))["secret"]
    assert new != secret and extensions.secret(app.engine, app.master_key, "1001") == new


def test_private_by_default_and_opt_in_options_render(app: App, run_cli: CliCall) -> None:
    _ok(run_cli("extension", "add", "1001", "--name", "Alice"))
    files = render(app)
    assert "1001 =>" not in files["voicemail.conf"] and "webrtc" not in files["pjsip.conf"]
    assert "voco-vm-leave,s,1(" not in files["extensions.conf"]
    _ok(run_cli("extension", "set", "1001", "--voicemail", "--webrtc"))
    files = render(app)
    assert re.search(r"^1001 => \d{8},Alice$", files["voicemail.conf"], re.MULTILINE)
    assert "webrtc = yes" in files["pjsip.conf"] and "mailboxes = 1001@voco" in \
        files["pjsip.conf"]
    assert "Gosub(voco-vm-leave,s,1(1001))" in files["extensions.conf"]


def test_one_numbering_plan_and_references_protect_records(app: App) -> None:
    e = app.engine
    extensions.add(e, app.master_key, Extension(number="1001", name="Alice"))
    with pytest.raises(ValidationError, match=r"^number: 1001 is already the number of extension"):
        queues.add(e, Queue(name="support", number="1001"))
    with pytest.raises(ValidationError, match=r"^members: extension '1002' does not exist"):
        queues.add(e, Queue(name="support", number="6001", members=("1002",)))
    queues.add(e, Queue(name="support", number="6001", members=("1001",)))
    routes.add_inbound(e, InboundRoute(did="5550100", target_kind="queue", target="support"))
    with pytest.raises(ValidationError, match=r"still used by queue support"):
        extensions.remove(e, "1001")
    with pytest.raises(ValidationError, match=r"still used by inbound route 5550100"):
        queues.remove(e, "support")
    with pytest.raises(ValidationError, match=r"^code: 6001 is already the number of queue"):
        speeddials.add(e, SpeedDial(code="6001", number="1001"))
    with pytest.raises(ValidationError, match=r"^number: cannot be changed"):
        extensions.update(e, app.master_key, "1001", number="1009")
    with pytest.raises(ValidationError, match=r"^conference 'nope' does not exist"):
        conferences.get(e, "nope")
    assert queues.remove_member(e, "support", "1001").members == ()


def test_outbound_routes_are_tried_in_order_and_trunks_in_order(app: App) -> None:
    e = app.engine
    for name in ("a", "b"):
        trunks.add(e, app.master_key, Trunk(name=name, host="192.0.2.1"))
    routes.add_outbound(e, OutboundRoute(name="intl", pattern="_00X.", trunks=("b", "a")))
    routes.add_outbound(e, OutboundRoute(name="any", pattern="_0X.", trunks=("a",)))
    routes.update_outbound(e, "any", position=0)
    assert [r.name for r in routes.list_outbound(e)] == ["any", "intl"]
    text = render(app)["extensions.conf"]
    assert text.index("include => voco-out-any") < text.index("include => voco-out-intl")
    intl = text[text.index("[voco-out-intl]"):]
    assert intl.index("@trunk-b,outbound,${VOCO_CALLER},b,intl") < \
        intl.index("@trunk-a,outbound,${VOCO_CALLER},a,intl")
    with pytest.raises(ValidationError, match=r"still used by outbound route"):
        trunks.remove(e, "a")


def test_trunk_and_conference_secrets_render_but_never_show(app: App,
                                                            run_cli: CliCall) -> None:
    _ok(run_cli("trunk", "add", "carrier", "--host", "192.0.2.1", "--username", "acct",
                "--register", "--secret-stdin", input="provider-pass-123\n"))
    _ok(run_cli("conference", "add", "board", "--number", "7001", "--pin", "4321"))
    shown = _ok(run_cli("trunk", "show", "carrier")) + _ok(run_cli("conference", "list", "--json"))
    assert "provider-pass-123" not in shown and "4321" not in shown
    assert "secret: set" in shown and '"pin": "set"' in shown
    files = render(app)
    assert "password = provider-pass-123" in files["pjsip.conf"]
    assert "pin = 4321" in files["confbridge.conf"]
    logged = json.dumps([(e.args, e.message) for e in oplog.entries(app.engine, oplog.Filters())])
    assert "provider-pass-123" not in logged and "4321" not in logged
    masked = diff.mask(files["pjsip.conf"] + files["confbridge.conf"], b"k" * 32)
    assert "provider-pass-123" not in masked and "pin = <secret:" in masked


def test_reload_order_puts_the_dialplan_first() -> None:
    assert reload.modules_for(["cel.conf", "pjsip.conf", "extensions.conf"]) == [
        "pbx_config", "res_pjsip", "cel", "cel_manager"]


@pytest.mark.postgres
def test_services_and_rendering_work_on_both_stores(db_url: str, tmp_path: Path) -> None:
    from asterisk_bridge.services.init import initialise

    app = App(initialise(tmp_path / "etc" / "voco.toml", tmp_path / "data", db_url))
    e = app.engine
    secret = extensions.add(e, app.master_key, Extension(number="1001", name="Alice"))
    trunks.add(e, app.master_key, Trunk(name="t1", host="192.0.2.1", identify=("192.0.2.0/24",)))
    queues.add(e, Queue(name="q1", number="6001", members=("1001",)))
    conferences.add(e, app.master_key, Conference(name="c1", number="7001"), pin="2468")
    assert extensions.update(e, app.master_key, "1001", voicemail=True).voicemail is True
    assert [q.members for q in queues.list_all(e)] == [("1001",)]
    files = render(app)
    assert secrets.sip_digest("1001", "voco", secret) in files["pjsip.conf"]
    assert "pin = 2468" in files["confbridge.conf"]
    assert not [name for name, text in files.items() if secret in text]
    queues.remove(e, "q1")
    extensions.remove(e, "1001")
    assert extensions.list_all(e, app.master_key) == []
    e.dispose()
