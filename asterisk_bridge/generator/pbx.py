"""Render every PBX configuration file Voco owns from the store's state.

Each domain (provisioning, recording, CDR, ...) contributes a fragment of the template context
through a function in :data:`CONTRIBUTORS`; the templates in ``dialplan_templates/`` turn the
merged context into files. With no store (``engine=None``) every contributor returns its empty
defaults, which is what a bare sandbox boots with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Engine

from asterisk_bridge import validate
from asterisk_bridge.config import AsteriskSettings, read_secret
from asterisk_bridge.generator.render import render_set
from asterisk_bridge.provisioning.context import provisioning_context
from asterisk_bridge.recording.dialplan import recording_context

PBX_FILES = {name: f"{name}.j2" for name in (
    "extensions.conf", "pjsip.conf", "voicemail.conf", "confbridge.conf", "queues.conf",
    "features.conf", "cdr.conf", "cdr_manager.conf", "cel.conf", "manager.conf", "logger.conf",
)}

Contributor = Callable[[Engine | None], Mapping[str, Any]]

#: One function per domain; each returns the template variables it owns.
CONTRIBUTORS: list[Contributor] = [provisioning_context, recording_context]


def node_context(settings: AsteriskSettings, sentinel: str) -> dict[str, Any]:
    """This node's own template variables, from the config's ``[asterisk]`` section.

    AMI listens where the bridge connects, and only the bridge's own user can log in, from this
    host only; its secret comes from the secret file the bridge reads too.
    """
    bridge_user = {"name": validate.name(settings.ami_user, "ami_user"),
                   "secret": read_secret(settings.ami_secret_file, "AMI"),
                   "permit": ["127.0.0.1/255.255.255.255"], "read": "all", "write": "all"}
    return {"sentinel": sentinel, "sandbox": bool(settings.sandbox),
            "sip": {"bind": validate.bind_address(settings.sip_bind, "sip_bind"),
                    "port": validate.port(settings.sip_port, "sip_port")},
            "ami": {"bind": validate.host(settings.ami_host, "ami_host"),
                    "port": validate.port(settings.ami_port, "ami_port"),
                    "users": [bridge_user]},
            "rec_spool": settings.as_seen_by_asterisk(settings.rec_spool_dir),
            "logging": QUIET_LOGGING}


#: logger.conf without a debug window: errors, warnings and security events only.
QUIET_LOGGING: Mapping[str, Any] = {"debug_file": None}


def pbx_context(engine: Engine | None, node: Mapping[str, Any]) -> dict[str, Any]:
    """Merge the node's own settings (``sip``, ``sentinel``, ``sandbox``) with every domain's."""
    ctx: dict[str, Any] = dict(node)
    for contribute in CONTRIBUTORS:
        ctx.update(contribute(engine))
    return ctx


def render_pbx(engine: Engine | None, node: Mapping[str, Any]) -> dict[str, str]:
    """All PBX files as ``{file name: text}``."""
    return render_set(PBX_FILES, pbx_context(engine, node))
