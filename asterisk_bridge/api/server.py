"""Running the API on uvicorn, where the config says: loopback unless bound elsewhere, and off
loopback only with TLS."""

from __future__ import annotations

import ipaddress

import uvicorn

from asterisk_bridge.api.app import create_api
from asterisk_bridge.config import ApiSettings
from asterisk_bridge.context import App
from asterisk_bridge.errors import ConfigError, NotRunningError, ValidationError
from asterisk_bridge.provisioning import validate


def check_settings(api: ApiSettings) -> None:
    """Refuse a bind address that is not an IP, a bad port, or a non-loopback bind without
    TLS (a token would cross the network in clear)."""
    addr = validate.ip_address(api.bind, "bind")
    validate.port(api.port, "port")
    if bool(api.tls_cert) != bool(api.tls_key):
        raise ValidationError("tls: give both a certificate and its key file")
    if not ipaddress.ip_address(addr).is_loopback and not api.tls_cert:
        raise ValidationError(f"bind: {addr} is not loopback; the API leaves this host only "
                              "over TLS (--tls-cert FILE --tls-key FILE)")


def serve(app: App) -> None:
    """Serve until stopped; refuses while the API is disabled."""
    api = app.config.api
    if not api.enabled:
        raise NotRunningError("the API is disabled; 'voco api enable' opens it")
    try:
        check_settings(api)
    except ValidationError as err:
        raise ConfigError(f"[api] in {app.config.path}: {err}") from None
    uvicorn.run(create_api(app), host=api.bind, port=api.port, log_level="warning",
                ssl_certfile=api.tls_cert or None, ssl_keyfile=api.tls_key or None,
                server_header=False, proxy_headers=False)
