"""Where Asterisk's AMI and HTTP (ARI) listen, and where Voco on this host reaches them.

AMI and ARI carry credentials and call data, so they never cross a network in clear: set to
listen on loopback (``ami_host``, ``ari_url``), they do so in clear; set to listen beyond it,
``voco apply`` renders a TLS listener on that address and keeps the plain one on loopback only
(:func:`listener`). The bridge and ``voco apply`` run beside Asterisk (they read its spool and
CDR files, and the bridge's AMI user is permitted from loopback only), so they always use the
loopback listener (:func:`ami_address`, :func:`ari_url`); the TLS one is for other hosts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from asterisk_bridge.config import AsteriskSettings
from asterisk_bridge.errors import ConfigError
from asterisk_bridge.provisioning.validate import is_loopback

LOOPBACK = "127.0.0.1"
ARI_DEFAULT_PORT = 8088


def listener(host: str, port: int, tls_port: int, tls: Mapping[str, str] | None,
             what: str) -> dict[str, Any]:
    """A plain listener on loopback; off loopback, TLS there instead (and plain on loopback).

    A listener that should leave loopback without a certificate is refused.
    """
    if is_loopback(host):
        return {"bind": host, "port": port, "tls_bind": "", "tls_port": tls_port}
    if tls is None:
        raise ConfigError(f"{what} is set to listen on {host}, beyond this host, which needs "
                          "TLS: run 'voco tls create' first (or bind it to 127.0.0.1)")
    return {"bind": LOOPBACK, "port": port, "tls_bind": host, "tls_port": tls_port}


def ami_address(settings: AsteriskSettings) -> tuple[str, int]:
    """The AMI host and port Voco on this host connects to (the plain, loopback listener)."""
    host = settings.ami_host if is_loopback(settings.ami_host) else LOOPBACK
    return host, settings.ami_port


def ari_url(settings: AsteriskSettings) -> str:
    """The ARI base URL Voco on this host uses (the plain, loopback listener)."""
    parts = urlsplit(settings.ari_url)
    if parts.scheme != "http" or not parts.hostname or is_loopback(parts.hostname):
        return settings.ari_url
    netloc = f"{LOOPBACK}:{parts.port or ARI_DEFAULT_PORT}"
    return urlunsplit(parts._replace(netloc=netloc))
