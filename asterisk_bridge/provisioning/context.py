"""The generator contributor: provisioned entities as template variables under ``prov``.

Secrets are decrypted here and only here, while :func:`secrets.unlocked` holds the master key.
An extension's SIP secret is rendered only as its digest H(A1), so no file holds it; trunk
passwords and conference PINs are rendered in clear, because Asterisk must send or compare them.
"""

from __future__ import annotations

from typing import Any

from asterisk_bridge.provisioning import (
    conferences,
    extensions,
    peermac,
    queues,
    routes,
    secrets,
    speeddials,
    trunks,
)
from asterisk_bridge.store.engine import Bind

#: The digest realm Asterisk announces to phones; the rendered H(A1) values depend on it.
SIP_REALM = "voco"


def empty() -> dict[str, Any]:
    """The context with nothing provisioned (a bare sandbox)."""
    return {"prov": {"realm": SIP_REALM, "extensions": [], "trunks": [], "inbound": [],
                     "outbound": [], "speed_dials": [], "conferences": [], "queues": [],
                     "queue_members": [], "peer_trunks": [],
                     "peer_secrets": {}, "peer_window": peermac.WINDOW}}


def provisioning_context(engine: Bind | None) -> dict[str, Any]:
    """Every provisioned entity, ready for the templates (see ``voco_provisioning.conf.j2``)."""
    if engine is None:
        return empty()
    key = secrets.render_key()
    exts = extensions.list_all(engine, key)
    names = {e.number: e.name for e in exts}
    rooms = conferences.list_all(engine)
    qs = queues.list_all(engine)
    all_trunks = trunks.list_all(engine)
    peers = [t.name for t in all_trunks if t.voco_peer]
    numbers = {("conference", r.name): r.number for r in rooms}
    numbers.update({("queue", q.name): q.number for q in qs})
    return {"prov": {
        "realm": SIP_REALM,
        "extensions": [
            {**e.to_dict(), "vm_password": secrets.mailbox_password(key, e.number),
             "digest": secrets.sip_digest(e.number, SIP_REALM,
                                          extensions.secret(engine, key, e.number))}
            for e in exts],
        "trunks": [{**t.to_dict(), "secret": trunks.secret(engine, key, t.name)}
                   for t in all_trunks],
        "peer_trunks": peers,
        # Only a node with peer trunks signs or checks X-Voco-Call, so only it holds the secrets.
        "peer_secrets": peermac.secrets(key) if peers else {},
        "peer_window": peermac.WINDOW,
        "inbound": [{**r.to_dict(), "number": numbers.get((r.target_kind, r.target), r.target)}
                    for r in routes.list_inbound(engine)],
        "outbound": [{**r.to_dict(), "pattern": r.pattern}  # keeps its DialPattern type
                     for r in routes.list_outbound(engine)],
        "speed_dials": [d.to_dict() for d in speeddials.list_all(engine)],
        "conferences": [{**r.to_dict(), "pin": conferences.pin(engine, key, r.name)}
                        for r in rooms],
        "queues": [{**q.to_dict(), "agents": [{"number": m, "name": names.get(m, m)}
                                              for m in q.members]} for q in qs],
        # Any extension may log in to a queue as an agent ('voco agent login', *45<queue>).
        "queue_members": sorted({e.number for e in exts}) if qs else [],
    }}
