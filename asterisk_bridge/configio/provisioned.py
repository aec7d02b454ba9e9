"""Config-file sections for the provisioned PBX entities, built on their self-validating specs.

The provisioning services take an engine; the import hands them its one connection instead, so
every change of an import joins a single transaction that a failure rolls back whole.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from asterisk_bridge.configio import kinds
from asterisk_bridge.configio.registry import WITHHELD, Record, Section
from asterisk_bridge.errors import ValidationError
from asterisk_bridge.provisioning import (
    conferences,
    extensions,
    queues,
    routes,
    speeddials,
    trunks,
    validate,
)
from asterisk_bridge.provisioning.records import Spec


@dataclass(frozen=True)
class SecretField:
    """A secret an entity carries: exported only on request, kept when a file withholds it.

    A new record whose secret is withheld gets a generated one if *generated* (extensions), and
    is refused otherwise: an import must never silently open a PIN-protected room.
    """

    name: str
    check: Callable[[str, str], str]
    get: Callable[[Any, bytes, str], str | None]
    set: Callable[[Any, bytes, str, str], Any]
    generated: bool = False


def _spec_section(name: str, spec: type[Spec], list_all: Callable[[Any, bytes], list[Any]],
                  add: Callable[[Any, bytes, Any, str | None], str | None],
                  update: Callable[..., Any], remove: Callable[[Any, str], None],
                  secret: SecretField | None = None) -> Section:
    """A section whose records are *spec* dicts, plus the optional *secret* field."""
    secret_name = secret.name if secret else ""

    def read(bind: Connection, master_key: bytes, with_secrets: bool) -> list[Record]:
        out = []
        for item in list_all(bind, master_key):
            rec = item.to_dict()
            value = secret.get(bind, master_key, item.key) if secret else None
            if value is not None:
                rec[secret_name] = value if with_secrets else WITHHELD
            out.append(rec)
        return out

    def parse(raw: Mapping[str, Any]) -> Record:
        data = dict(raw)
        value = data.pop(secret_name, None) if secret else None
        rec = spec.from_dict(data).to_dict()
        if secret and value is not None:
            rec[secret_name] = value if value == WITHHELD else secret.check(value, secret_name)
        return rec

    def do_add(bind: Connection, master_key: bytes, rec: Record) -> str | None:
        data = {k: v for k, v in rec.items() if k != secret_name}
        value = rec.get(secret_name)
        if secret and value == WITHHELD:
            if not secret.generated:
                raise ValidationError(
                    f"{secret_name}: withheld from this export; import one made with "
                    f"--include-secrets, or delete the line to create it without a {secret_name}")
            value = None
        return add(bind, master_key, spec.from_dict(data), value)

    def change(bind: Connection, master_key: bytes, new: Record, old: Record) -> None:
        key = str(new[spec.KEY])
        if secret and new.get(secret_name, WITHHELD) not in (WITHHELD, old.get(secret_name)):
            secret.set(bind, master_key, key, new[secret_name])
        fields = {k: tuple(v) if isinstance(v, list) else v for k, v in new.items()
                  if k not in (spec.KEY, secret_name) and v != old.get(k)}
        if fields:
            update(bind, master_key, key, **fields)

    fields = kinds.of_dataclass(spec) | ({secret_name: kinds.Kind.TEXT} if secret else {})
    return Section(name=name, what=spec.WHAT, key=spec.KEY, read=read, parse=parse, add=do_add,
                   change=change, remove=lambda bind, _mk, key: remove(bind, key),
                   fields=fields, secret_fields=(secret_name,) if secret else ())


def _extension_add(bind: Any, master_key: bytes, ext: Any, secret: str | None) -> str | None:
    created = extensions.add(bind, master_key, ext, secret)
    return None if secret else f"extension {ext.number}: new SIP secret {created} (shown once)"


def _keyless_add(add: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    return _keyless(lambda bind, spec, _secret: add(bind, spec))


def _keyless(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A read or change of an entity without personal fields, called as those with them are
    (the master key second)."""
    def call(bind: Any, _master_key: bytes, *args: Any, **kwargs: Any) -> Any:
        return fn(bind, *args, **kwargs)
    return call


def _secret_add(add: Callable[..., Any]) -> Callable[[Any, bytes, Any, str | None], None]:
    def do_add(bind: Any, master_key: bytes, spec: Any, secret: str | None) -> None:
        add(bind, master_key, spec, secret)
    return do_add


#: In dependency order: queues and routes refer to extensions, trunks and rooms.
SECTIONS = (
    _spec_section("extensions", extensions.Extension, extensions.list_all, _extension_add,
                  extensions.update, extensions.remove,
                  SecretField("sip_secret", validate.sip_secret, extensions.secret,
                              extensions.reset_secret, generated=True)),
    _spec_section("trunks", trunks.Trunk, _keyless(trunks.list_all), _secret_add(trunks.add),
                  _keyless(trunks.update), trunks.remove,
                  SecretField("secret", validate.sip_secret, trunks.secret, trunks.set_secret)),
    _spec_section("conferences", conferences.Conference, _keyless(conferences.list_all),
                  _secret_add(conferences.add), _keyless(conferences.update), conferences.remove,
                  SecretField("pin", validate.pin, conferences.pin, conferences.set_pin)),
    _spec_section("queues", queues.Queue, _keyless(queues.list_all), _keyless_add(queues.add),
                  _keyless(queues.update), queues.remove),
    _spec_section("speed_dials", speeddials.SpeedDial, _keyless(speeddials.list_all),
                  _keyless_add(speeddials.add), _keyless(speeddials.update), speeddials.remove),
    _spec_section("inbound_routes", routes.InboundRoute, _keyless(routes.list_inbound),
                  _keyless_add(routes.add_inbound), _keyless(routes.update_inbound),
                  routes.remove_inbound),
    _spec_section("outbound_routes", routes.OutboundRoute, _keyless(routes.list_outbound),
                  _keyless_add(routes.add_outbound), _keyless(routes.update_outbound),
                  routes.remove_outbound),
)
