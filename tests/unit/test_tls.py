"""The node's certificate (issue, install, renew) and what 'voco apply' renders from it."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509

from asterisk_bridge.bridge import listeners
from asterisk_bridge.config import AsteriskSettings
from asterisk_bridge.context import App
from asterisk_bridge.errors import ConfigError, ValidationError
from asterisk_bridge.generator.pbx import node_context, render_pbx
from asterisk_bridge.provisioning import extensions, secrets, trunks
from asterisk_bridge.provisioning.extensions import Extension
from asterisk_bridge.provisioning.trunks import Trunk
from asterisk_bridge.tls import asterisk as tls_asterisk
from asterisk_bridge.tls import certs
from asterisk_bridge.tls.store import TlsStore
from tests.conftest import CliCall


def test_init_issues_a_certificate_from_a_private_ca(app: App) -> None:
    current = TlsStore.of(app.config).require()
    assert current.source == "voco-ca" and current.ca is not None
    assert "127.0.0.1" in current.summary.names and "localhost" in current.summary.names
    for path in (current.key, current.ca.with_name("ca.key")):
        assert path.stat().st_mode & 0o777 == 0o600
    chain = x509.load_pem_x509_certificates(current.cert.read_bytes())
    ca = x509.load_pem_x509_certificate(current.ca.read_bytes())
    chain[0].verify_directly_issued_by(ca)
    assert current.summary.days_left() > 300


def test_show_never_prints_the_key(app: App, run_cli: CliCall) -> None:
    key = TlsStore.of(app.config).require().key.read_text()
    out = run_cli("tls", "show").output
    assert "sha256" in out and "BEGIN" not in out and key.splitlines()[1] not in out


def test_renew_only_when_due_and_keeps_the_ca(app: App, run_cli: CliCall) -> None:
    store = TlsStore.of(app.config)
    before = store.require()
    assert store.renew() is None
    store.create(["pbx.example.net"], days=10)
    ca = store.ca_cert.read_bytes()
    renewed = store.renew(within_days=30)
    assert renewed is not None and renewed.summary.names == ["pbx.example.net"]
    assert renewed.summary.days_left() > 300 and store.ca_cert.read_bytes() == ca
    assert renewed.summary.sha256 != before.summary.sha256


def test_install_checks_the_pair_and_an_admin_cert_is_never_renewed(
        app: App, run_cli: CliCall, tmp_path: Path) -> None:
    ca = certs.create_ca("Admin CA")
    own, other = (certs.issue_server(ca, ["pbx.example.org"], days=5) for _ in range(2))
    (tmp_path / "own.crt").write_bytes(own.cert_pem)
    (tmp_path / "other.key").write_bytes(other.key_pem)
    (tmp_path / "own.key").write_bytes(own.key_pem)
    before = (TlsStore.of(app.config).cert.read_bytes())
    bad = run_cli("tls", "install", "--cert", str(tmp_path / "own.crt"), "--key",
                  str(tmp_path / "other.key"))
    assert bad.exit_code == 2 and "does not belong" in bad.output
    assert TlsStore.of(app.config).cert.read_bytes() == before  # nothing changed
    assert run_cli("tls", "install", "--cert", str(tmp_path / "own.crt"), "--key",
                   str(tmp_path / "own.key")).exit_code == 0
    due = run_cli("tls", "renew")
    assert due.exit_code == 1 and "renew it with its CA" in due.output


def test_encryption_defaults_and_refusals() -> None:
    assert (Extension("1001", "A").transport, Extension("1001", "A").media_encryption) == \
        ("tls", "sdes")
    assert Extension("1001", "A", transport="udp").media_encryption == "none"
    webrtc = Extension("1001", "A", webrtc=True)
    assert (webrtc.transport, webrtc.media_encryption) == ("wss", "dtls")
    assert Trunk("t", "sip.example.net").transport == "udp"
    for bad in ({"transport": "udp", "media_encryption": "sdes"}, {"transport": "wss"},
                {"transport": "tcp"}, {"webrtc": True, "transport": "udp"},
                {"webrtc": True, "media_encryption": "sdes"}):
        with pytest.raises(ValidationError):
            Extension("1001", "A", **bad)  # type: ignore[arg-type]


def _ctx(app: App, tmp_path: Path, settings: AsteriskSettings | None = None,
         with_tls: bool = True) -> dict[str, str]:
    settings = settings or dataclasses.replace(app.config.asterisk,
                                               ast_etc_dir=str(tmp_path / "ast-etc"))
    current = TlsStore.of(app.config).require()
    tls = tls_asterisk.locate(current, settings).as_context() if with_tls else None
    with secrets.unlocked(app.master_key):
        return render_pbx(app.engine, node_context(settings, "s", tls))


def test_apply_renders_tls_transports_and_per_endpoint_media(app: App, tmp_path: Path) -> None:
    extensions.add(app.engine, app.master_key, Extension("1001", "Alice"))
    extensions.add(app.engine, app.master_key, Extension("1002", "Lan", transport="udp"))
    extensions.add(app.engine, app.master_key, Extension("1003", "Web", webrtc=True))
    trunks.add(app.engine, app.master_key, Trunk("carrier", "sip.example.net", port=5061,
                                                 transport="tls"))
    files = _ctx(app, tmp_path)
    pjsip = files["pjsip.conf"]
    sha = TlsStore.of(app.config).require().summary.sha256[:12]
    assert f"bind = 0.0.0.0:5061\ncert_file = {tmp_path}/ast-etc/keys/voco-{sha}.crt" \
        in pjsip
    assert "[transport-wss]\ntype = transport\nprotocol = wss" in pjsip
    alice, lan, web = (pjsip.split(f"[{n}]\ntype = endpoint\n")[1].split("\n\n")[0]
                       for n in ("1001", "1002", "1003"))
    assert "context = voco-secure-internal\ntransport = transport-tls" in alice
    assert "media_encryption = sdes" in alice
    assert "context = voco-internal\ntransport = transport-udp" in lan
    assert "media_encryption = no" in lan
    assert "webrtc = yes" in web and "media_encryption = dtls" in web
    assert "allow = opus,ulaw,alaw" in web and f"dtls_cert_file = {tmp_path}" in web
    assert "contact = sip:sip.example.net:5061\\;transport=tls" in pjsip
    assert "tlsenable = yes\ntlsbindaddr = 0.0.0.0:8089" in files["http.conf"]
    assert "tlsenable" not in files["manager.conf"]
    assert 'GotoIf($["${CHANNEL(pjsip,secure)}" != "1"]?refused)' in files["extensions.conf"]


def test_no_certificate_no_tls_endpoint(app: App, tmp_path: Path) -> None:
    extensions.add(app.engine, app.master_key, Extension("1001", "Alice"))
    with pytest.raises(ConfigError, match="extension 1001 must use TLS"):
        _ctx(app, tmp_path, with_tls=False)


def test_ami_and_ari_leave_loopback_only_over_tls(app: App, tmp_path: Path) -> None:
    settings = dataclasses.replace(app.config.asterisk, ast_etc_dir=str(tmp_path / "ast-etc"),
                                   ami_host="192.0.2.5", ari_url="http://192.0.2.5:8088")
    files = _ctx(app, tmp_path, settings)
    assert "bindaddr = 127.0.0.1\ntlsenable = yes\ntlsbindaddr = 192.0.2.5:5039" in \
        files["manager.conf"]
    assert "bindaddr = 127.0.0.1\nbindport = 8088\ntlsenable = yes\n" \
        "tlsbindaddr = 192.0.2.5:8089" in files["http.conf"]
    with pytest.raises(ConfigError, match="beyond this host, which needs TLS"):
        _ctx(app, tmp_path, settings, with_tls=False)
    # Voco on this host (bridge, apply) uses the loopback listeners the files keep in clear.
    assert listeners.ami_address(settings) == ("127.0.0.1", 5038)
    assert listeners.ari_url(settings) == "http://127.0.0.1:8088"
    local = dataclasses.replace(settings, ami_host="::1", ari_url="http://localhost:8090/x")
    assert listeners.ami_address(local) == ("::1", 5038)
    assert listeners.ari_url(local) == "http://localhost:8090/x"


def test_asterisk_gets_a_private_copy_named_by_fingerprint(app: App, tmp_path: Path) -> None:
    (tmp_path / "ast-etc").mkdir()
    settings = dataclasses.replace(app.config.asterisk, ast_etc_dir=str(tmp_path / "ast-etc"))
    store = TlsStore.of(app.config)
    for _ in range(3):
        current = store.create(["pbx.example.net"])
        where = tls_asterisk.locate(current, settings)
        tls_asterisk.install(current, where)
    keys = tmp_path / "ast-etc" / "keys"
    assert (keys / f"{where.stem}.key").read_bytes() == current.key.read_bytes()
    assert (keys / f"{where.stem}.key").stat().st_mode & 0o777 == 0o600
    assert len(list(keys.glob("*.key"))) == 2  # this one and the one before, for a rollback


def test_summary_counts_days(app: App) -> None:
    s = TlsStore.of(app.config).require().summary
    assert s.days_left(s.not_after - timedelta(days=2)) == pytest.approx(2)
