"""Render every PBX configuration file Voco owns from the store's state.

Each domain (provisioning, recording, CDR, ...) contributes a fragment of the template context
through a function in :data:`CONTRIBUTORS`; the templates in ``dialplan_templates/`` turn the
merged context into files. With no store (``engine=None``) every contributor returns its empty
defaults, which is what a bare sandbox boots with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine

from asterisk_bridge.amiusers.users import ami_context
from asterisk_bridge.bridge import eventmac
from asterisk_bridge.bridge.listeners import ARI_DEFAULT_PORT, listener
from asterisk_bridge.callerinfo.context import doors_context
from asterisk_bridge.config import AsteriskSettings, read_secret
from asterisk_bridge.debuglog.logcontext import QUIET_LOGGING
from asterisk_bridge.errors import ConfigError
from asterisk_bridge.generator.render import render_set
from asterisk_bridge.provisioning import validate
from asterisk_bridge.provisioning.context import provisioning_context
from asterisk_bridge.recording.dialplan import recording_context
from asterisk_bridge.voicemail.notice import voicemail_context

PBX_FILES = {name: f"{name}.j2" for name in (
    "extensions.conf", "pjsip.conf", "voicemail.conf", "confbridge.conf", "queues.conf",
    "features.conf", "cdr.conf", "cdr_manager.conf", "cel.conf", "manager.conf", "logger.conf",
    "http.conf", "ari.conf",
)}

Contributor = Callable[[Engine | None], Mapping[str, Any]]

#: One function per domain; each returns the template variables it owns.
CONTRIBUTORS: list[Contributor] = [provisioning_context, recording_context, ami_context,
                                   voicemail_context, doors_context]


def node_context(settings: AsteriskSettings, sentinel: str,
                 tls: Mapping[str, str] | None = None) -> dict[str, Any]:
    """This node's own template variables, from the config's ``[asterisk]`` section.

    AMI listens where the bridge connects, and only the bridge's own user can log in, from this
    host only; its secret comes from the secret file the bridge reads too. ARI likewise has the
    bridge's user only. *tls* names the
    certificate files as Asterisk sees them (``tls/asterisk.py``); without it no TLS transport
    is rendered.
    """
    bridge_user = {"name": validate.name(settings.ami_user, "ami_user"),
                   "secret": read_secret(settings.ami_secret_file, "AMI"),
                   "permit": ["127.0.0.1/255.255.255.255"], "read": "all", "write": "all"}
    ari_user = {"name": validate.name(settings.ari_user, "ari_user"),
                "secret": read_secret(settings.ari_secret_file, "ARI")}
    ari = urlsplit(settings.ari_url)
    sip_bind = validate.bind_address(settings.sip_bind, "sip_bind")
    return {"sentinel": sentinel, "sandbox": bool(settings.sandbox), "tls": tls,
            "node": validate.name(settings.node, "node"),
            "sip": {"bind": sip_bind, "port": validate.port(settings.sip_port, "sip_port"),
                    "tls_port": validate.port(settings.sip_tls_port, "sip_tls_port")},
            "ami": {**listener(validate.host(settings.ami_host, "ami_host"),
                               validate.port(settings.ami_port, "ami_port"),
                               validate.port(settings.ami_tls_port, "ami_tls_port"), tls,
                               "AMI (ami_host)"),
                    "users": [bridge_user]},
            "http": {**listener(validate.host(ari.hostname or "127.0.0.1", "ari_url"),
                                validate.port(ari.port or ARI_DEFAULT_PORT, "ari_url"),
                                validate.port(settings.https_port, "https_port"), tls,
                                "ARI (ari_url)"),
                     "phones_bind": sip_bind},
            "ari": {"users": [ari_user]},
            "rec_spool": settings.as_seen_by_asterisk(settings.rec_spool_dir),
            "ari_app": validate.name(settings.ari_app, "ari_app"),
            "event_secret": eventmac.secret(settings),
            "logging": QUIET_LOGGING}


#: The longest node name a Voco peer trunk's X-Voco-Call header carries: with a linkedid of up
#: to 41 characters it fits the 74 the receiving dialplan accepts (accountcode ``voco:`` + it,
#: within the 79 characters a CDR's accountcode keeps).
MAX_PEER_NODE = 32


def pbx_context(engine: Engine | None, node: Mapping[str, Any]) -> dict[str, Any]:
    """Merge the node's own settings (``sip``, ``sentinel``, ``sandbox``) with every domain's."""
    ctx: dict[str, Any] = dict(node)
    for contribute in CONTRIBUTORS:
        ctx.update(contribute(engine))
    if ctx.get("tls") is None:
        prov = ctx["prov"]
        needing = [f"extension {e['number']}" for e in prov["extensions"]
                   if e["transport"] != "udp"] + [f"trunk {t['name']}" for t in prov["trunks"]
                                                  if t["transport"] != "udp"]
        if needing:
            raise ConfigError(f"{', '.join(needing[:5])} must use TLS but this node has no "
                              "certificate: run 'voco tls create' (or 'voco tls install')")
    if ctx["prov"]["peer_trunks"] and len(ctx["node"]) > MAX_PEER_NODE:
        raise ConfigError(f"node name {ctx['node']!r} has more than {MAX_PEER_NODE} characters, "
                          "too many for the X-Voco-Call header of the Voco peer trunks "
                          f"({', '.join(ctx['prov']['peer_trunks'][:5])}); a node keeps its "
                          "name, so mark them 'voco trunk set NAME --no-voco-peer'")
    return ctx


def render_pbx(engine: Engine | None, node: Mapping[str, Any]) -> dict[str, str]:
    """All PBX files as ``{file name: text}``."""
    return render_set(PBX_FILES, pbx_context(engine, node))
