"""Whether intrusion response is on, how long a block lasts, and the allowlist."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from asterisk_bridge.errors import ValidationError
from asterisk_bridge.provisioning import validate
from asterisk_bridge.store.engine import Bind
from asterisk_bridge.store.models.intrusion import IntrusionSettings

MAX_ALLOW = 100
_ROW = 1


@dataclass(frozen=True)
class Intrusion:
    """The settings (off by default, blocks of one hour, nothing allowlisted)."""

    enabled: bool = False
    block_s: int = 3600
    allow: tuple[str, ...] = ()

    def allowed(self, address: str) -> bool:
        """Whether *address* is on the allowlist (never blocked)."""
        ip = ipaddress.ip_address(address)
        return any(ip in ipaddress.ip_network(net) for net in self.allow)

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return {"enabled": self.enabled, "block_s": self.block_s, "allow": list(self.allow)}


def check_allow(networks: Iterable[str]) -> tuple[str, ...]:
    """Normalised CIDRs, each validated; at most :data:`MAX_ALLOW`."""
    nets = tuple(dict.fromkeys(validate.network(n, "allow") for n in networks))
    if len(nets) > MAX_ALLOW:
        raise ValidationError(f"allow: at most {MAX_ALLOW} networks")
    return nets


def check_minutes(minutes: int) -> int:
    """A block time in seconds from minutes (1 minute to 30 days)."""
    if not 1 <= minutes <= 43_200:
        raise ValidationError("block-minutes: use 1 to 43200 (30 days)")
    return minutes * 60


def current(engine: Bind) -> Intrusion:
    """The settings in force."""
    with Session(engine) as session:
        row = session.get(IntrusionSettings, _ROW)
        if row is None:
            return Intrusion()
        return Intrusion(row.enabled, row.block_s, tuple(json.loads(row.allow)))


def store(engine: Bind, settings: Intrusion) -> None:
    """Replace the settings."""
    with Session(engine) as session, session.begin():
        row = session.get(IntrusionSettings, _ROW) or IntrusionSettings(id=_ROW)
        row.enabled, row.block_s = settings.enabled, settings.block_s
        row.allow = json.dumps(list(settings.allow))
        session.add(row)
