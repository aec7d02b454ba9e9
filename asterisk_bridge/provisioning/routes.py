"""Routes: inbound (a DID to an extension, queue or conference room) and outbound (a dial
pattern sent through trunks in order, with prefix stripping and prepending).

Outbound routes are ordered by ``position``: each is rendered in its own context, included in
that order, so the first matching route wins regardless of Asterisk's pattern ranking.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from asterisk_bridge.errors import ValidationError
from asterisk_bridge.provisioning import links, validate
from asterisk_bridge.provisioning.records import Repo, Spec, transaction
from asterisk_bridge.store.engine import Bind
from asterisk_bridge.store.models.provisioning import ProvInboundRoute, ProvOutboundRoute

TARGET_KINDS = ("extension", "queue", "conference")


@dataclass(frozen=True)
class InboundRoute(Spec):
    """Calls arriving from a trunk for ``did`` go to ``target``."""

    KEY = "did"
    WHAT = "inbound route"

    did: str
    target_kind: str
    target: str

    def __post_init__(self) -> None:
        self._norm("did", validate.number)
        if self.target_kind not in TARGET_KINDS:
            raise ValidationError(f"target_kind: {self.target_kind!r} is not valid; use one of "
                                  f"{', '.join(TARGET_KINDS)}")
        check = validate.extension if self.target_kind == "extension" else validate.name
        self._norm("target", check)


def _check_inbound(session: Session, route: InboundRoute, old: str | None) -> None:
    links.ensure_exists(session, route.target_kind, route.target, "target")


@dataclass(frozen=True)
class OutboundRoute(Spec):
    """Numbers matching ``pattern`` lose ``strip`` leading digits, gain ``prepend``, and are
    tried on each trunk in turn until one answers, is busy or is not answered."""

    KEY = "name"
    WHAT = "outbound route"

    name: str
    pattern: str
    trunks: tuple[str, ...]
    strip: int = 0
    prepend: str = ""
    position: int = 0

    def __post_init__(self) -> None:
        self._norm("name", validate.name)
        self._norm("pattern", validate.dial_pattern)
        self._int("strip", 0, 20)
        if self.prepend:
            self._norm("prepend", validate.number)
        self._int("position", 0, 10_000)
        names = tuple(validate.name(t, "trunks") for t in self.trunks)
        if not names:
            raise ValidationError("trunks: name at least one trunk")
        if len(set(names)) != len(names):
            raise ValidationError("trunks: a trunk is listed twice")
        object.__setattr__(self, "trunks", names)


def _check_outbound(session: Session, route: OutboundRoute, old: str | None) -> None:
    for trunk in route.trunks:
        links.ensure_exists(session, "trunk", trunk, "trunks")


_INBOUND = Repo(ProvInboundRoute, InboundRoute, _check_inbound)
_OUTBOUND = Repo(ProvOutboundRoute, OutboundRoute, _check_outbound)

add_inbound = _INBOUND.add
list_inbound = _INBOUND.list_all
get_inbound = _INBOUND.get
update_inbound = _INBOUND.update
remove_inbound = _INBOUND.remove

get_outbound = _OUTBOUND.get
update_outbound = _OUTBOUND.update
remove_outbound = _OUTBOUND.remove


def add_outbound(engine: Bind, route: OutboundRoute) -> OutboundRoute:
    """Store *route*; position 0 means "after every existing route"."""
    with transaction(engine) as session:
        if route.position == 0:
            last = session.scalar(select(func.max(ProvOutboundRoute.position))) or 0
            route = dataclasses.replace(route, position=last + 1)
        _OUTBOUND.add_in(session, route)
    return route


def list_outbound(engine: Bind) -> list[OutboundRoute]:
    """Outbound routes in the order they are tried."""
    return sorted(_OUTBOUND.list_all(engine), key=lambda r: (r.position, r.name))
