"""Where a node's certificate lives (``<data_dir>/tls``, 0700; keys 0600) and its life cycle.

``create`` issues a server certificate from Voco's private CA (made once and kept, so phones that
trust it keep trusting renewed certificates); ``install`` takes the admin's own certificate
instead; ``renew`` reissues a Voco certificate for the same names when it is close to expiry. An
admin's certificate is never replaced by Voco: ``renew`` says it is due, and by when.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from pathlib import Path

from asterisk_bridge.config import Config
from asterisk_bridge.errors import ConfigError
from asterisk_bridge.safewrite import write_private
from asterisk_bridge.tls import certs
from asterisk_bridge.tls.choices import RENEW_WITHIN_DAYS

VOCO_CA = "voco-ca"
ADMIN = "admin"


def default_hosts(sip_bind: str) -> list[str]:
    """This host's name, localhost and loopback, and the SIP address when it is a specific one."""
    hosts = [socket.getfqdn(), "localhost", "127.0.0.1"]
    if sip_bind not in ("0.0.0.0", "::", ""):
        hosts.append(sip_bind)
    return list(dict.fromkeys(hosts))


@dataclass(frozen=True)
class Current:
    """The certificate in force: its files (on Voco's side) and what it says."""

    cert: Path  # the server certificate followed by its chain
    key: Path
    ca: Path | None  # Voco's CA certificate, for clients to trust; None for an admin's own
    source: str  # VOCO_CA or ADMIN
    summary: certs.Summary

    def to_dict(self) -> dict[str, object]:
        """For ``--json``: paths and the certificate's public facts, never the key."""
        s = self.summary
        return {"source": self.source, "cert": str(self.cert), "ca": str(self.ca or ""),
                "subject": s.subject, "names": s.names, "issuer": s.issuer,
                "not_after": s.not_after.isoformat(), "days_left": int(s.days_left()),
                "sha256": s.sha256}


class TlsStore:
    """The files of one node's TLS identity."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.ca_cert = directory / "ca.crt"
        self.ca_key = directory / "ca.key"
        self.cert = directory / "server.crt"
        self.key = directory / "server.key"
        self.meta = directory / "origin.json"

    @classmethod
    def of(cls, config: Config) -> TlsStore:
        """The store of the installation *config* describes."""
        return cls(config.data_dir / "tls")

    def _mkdir(self) -> None:
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _origin(self) -> dict[str, object]:
        try:
            data = json.loads(self.meta.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return data if isinstance(data, dict) else {}

    def current(self) -> Current | None:
        """The certificate in force, or None when this node has none yet."""
        origin = self._origin()
        if not origin or not self.cert.exists():
            return None
        source = str(origin.get("source", ""))
        return Current(self.cert, self.key, self.ca_cert if source == VOCO_CA else None, source,
                       certs.summarise(self.cert.read_bytes()))

    def require(self) -> Current:
        """The certificate in force; ConfigError saying how to make one when there is none."""
        found = self.current()
        if found is None:
            raise ConfigError("this node has no TLS certificate: run 'voco tls create' (Voco's "
                              "own CA) or 'voco tls install --cert FILE --key FILE'")
        return found

    def _ca(self) -> certs.Issued:
        if self.ca_cert.exists() and self.ca_key.exists():
            return certs.Issued(self.ca_cert.read_bytes(), self.ca_key.read_bytes())
        ca = certs.create_ca(f"Voco private CA {socket.gethostname()}")
        write_private(self.ca_key, ca.key_pem)
        write_private(self.ca_cert, ca.cert_pem)
        return ca

    def create(self, hosts: list[str], days: int = certs.SERVER_DAYS) -> Current:
        """Issue a server certificate for *hosts* from Voco's CA (made on first use)."""
        self._mkdir()
        ca = self._ca()
        issued = certs.issue_server(ca, list(dict.fromkeys(hosts)), days)
        self._write(issued.cert_pem + ca.cert_pem, issued.key_pem,
                    {"source": VOCO_CA, "hosts": hosts})
        return self.require()

    def install(self, cert_pem: bytes, key_pem: bytes) -> Current:
        """Use the admin's own certificate chain and key (checked to match and be current)."""
        certs.check_pair(cert_pem, key_pem)
        self._mkdir()
        self._write(cert_pem, key_pem, {"source": ADMIN})
        return self.require()

    def _write(self, cert_pem: bytes, key_pem: bytes, origin: dict[str, object]) -> None:
        # The key first: a crash in between leaves a new key with the old certificate, which
        # 'current' still reads and 'create' replaces; never an old key with a new certificate.
        write_private(self.key, key_pem)
        write_private(self.cert, cert_pem)
        write_private(self.meta, json.dumps(origin))

    def renew(self, within_days: int = RENEW_WITHIN_DAYS) -> Current | None:
        """Reissue a Voco certificate expiring within *within_days*; None when not due.

        An admin's own certificate cannot be renewed here: ConfigError says when it expires.
        """
        found = self.require()
        if found.summary.days_left() > within_days:
            return None
        if found.source != VOCO_CA:
            raise ConfigError(f"the installed certificate ({found.summary.subject}) expires on "
                              f"{found.summary.not_after:%Y-%m-%d}: renew it with its CA, then "
                              "run 'voco tls install' and 'voco apply'")
        origin = self._origin()
        hosts = origin.get("hosts")
        return self.create([str(h) for h in hosts] if isinstance(hosts, list)
                           else found.summary.names)
