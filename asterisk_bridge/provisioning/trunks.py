"""Trunks: SIP providers reached by outbound registration and/or recognised by source network.

The credentials are sealed with the master key. ``identify`` networks are validated CIDRs, stored
and rendered in their normalised form (never the text typed), so a trunk can only match the
addresses the admin named; a network that matches every address is refused.

A trunk marked ``voco_peer`` leads to another Voco node sharing this store: calls out through it
tell the other node which call they belong to, and calls in through it are believed when they
say so (docs/multinode.md). Off by default: a provider's header is never trusted.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from sqlalchemy.orm import Session

from asterisk_bridge.errors import ValidationError
from asterisk_bridge.provisioning import encryption, links, secrets, validate
from asterisk_bridge.provisioning.records import Repo, Spec, transaction
from asterisk_bridge.store.engine import Bind
from asterisk_bridge.store.models.provisioning import ProvTrunk


def _ipv4_or_name(value: str, field: str) -> str:
    host = validate.host(value, field)
    try:
        if ipaddress.ip_address(host).version == 6:
            raise ValidationError(f"{field}: {host} is IPv6; use a hostname or an IPv4 address")
    except ValueError:
        pass
    return host


def _identify(value: str, field: str) -> str:
    net = validate.network(value, field)
    if net.endswith("/0"):
        raise ValidationError(f"{field}: {net} matches every address, so any host could call in "
                              "as this trunk; name the provider's own networks")
    return net


@dataclass(frozen=True)
class Trunk(Spec):
    """A SIP provider."""

    KEY = "name"
    WHAT = "trunk"

    name: str
    host: str
    port: int = 5060
    username: str = ""
    register: bool = False
    identify: tuple[str, ...] = ()
    transport: str = ""  # "" = udp, what providers offer; tls on request (encryption.py)
    media_encryption: str = ""
    voco_peer: bool = False

    def __post_init__(self) -> None:
        self._norm("name", validate.name)
        self._norm("host", _ipv4_or_name)
        self._norm("port", validate.port)
        if self.username:
            self._norm("username", validate.name)
        self._flag("register")
        self._flag("voco_peer")
        if self.register and not self.username:
            raise ValidationError("register: a registering trunk needs a username")
        object.__setattr__(self, "identify", tuple(dict.fromkeys(
            _identify(n, "identify") for n in self.identify)))
        transport, media = encryption.normalise(self.transport, self.media_encryption,
                                                webrtc=False, default="udp")
        object.__setattr__(self, "transport", transport)
        object.__setattr__(self, "media_encryption", media)


def _label(name: str) -> str:
    return f"trunk:{name}:sip"


SEALED = secrets.sealed_column("trunk passwords", ProvTrunk.sip_secret,
                                lambda row: _label(row.name))


def _check(session: Session, trunk: Trunk, old: str | None) -> None:
    if trunk.register and old is not None and _REPO.row(session, old).sip_secret is None:
        raise ValidationError("register: set the provider's password first (--secret-stdin)")


_REPO = Repo(ProvTrunk, Trunk, _check, links.users_of_trunk)
list_all = _REPO.list_all
get = _REPO.get
update = _REPO.update
remove = _REPO.remove


def add(engine: Bind, master_key: bytes, trunk: Trunk, secret: str | None = None) -> Trunk:
    """Store *trunk* with its provider password (sealed), if it has one."""
    if trunk.register and secret is None:
        raise ValidationError("secret: a registering trunk needs the provider's password")
    sealed = None if secret is None else secrets.seal(
        master_key, _label(trunk.name), validate.sip_secret(secret))
    return _REPO.add(engine, trunk, sip_secret=sealed)


def secret(engine: Bind, master_key: bytes, name: str) -> str | None:
    """The provider password in clear, or None."""
    with Session(engine) as session:
        blob = _REPO.row(session, name).sip_secret
    return None if blob is None else secrets.unseal(master_key, _label(name), blob)


def set_secret(engine: Bind, master_key: bytes, name: str, new: str | None) -> None:
    """Replace (or, with None, drop) the provider password."""
    sealed = None if new is None else secrets.seal(master_key, _label(name),
                                                   validate.sip_secret(new))
    with transaction(engine) as session:
        row = _REPO.row(session, name)
        if sealed is None and row.register:
            raise ValidationError("secret: a registering trunk needs the provider's password")
        row.sip_secret = sealed


def secret_is_set(engine: Bind, name: str) -> bool:
    """Whether the trunk has a provider password (without decrypting it)."""
    with Session(engine) as session:
        return _REPO.row(session, name).sip_secret is not None
