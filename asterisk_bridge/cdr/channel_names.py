"""Who a channel is, for people: ``PJSIP/2002-00000001`` is extension 2002.

Asterisk names a channel ``<tech>/<resource>-<8 hex digits>`` (a Local channel also
``;1``/``;2`` for its two halves, and ``Local/<exten>@<context>`` as its resource). A person
reading a call list wants the extension, the trunk or the number dialled, not the counter; the
raw name stays in JSON output and the store, where scripts and grouping need it.
"""

from __future__ import annotations

import re

#: Voco names a trunk's PJSIP endpoint ``trunk-<name>`` (pjsip.conf.j2).
TRUNK_ENDPOINT_PREFIX = "trunk-"

_CHANNEL = re.compile(r"(?P<tech>[A-Za-z0-9_]+)/(?P<resource>.+?)(?:-[0-9a-f]{8})?"
                      r"(?:;[12])?(?:<[A-Z]+>)*")


def endpoint(channel: str) -> str:
    """The extension, trunk or Local-channel destination a channel name stands for; a name of
    another shape is returned unchanged, and an empty one stays empty."""
    m = _CHANNEL.fullmatch(channel)
    if m is None:
        return channel
    tech, resource = m["tech"], m["resource"]
    if tech == "Local":
        return resource.partition("@")[0]
    if tech == "PJSIP" and resource.startswith(TRUNK_ENDPOINT_PREFIX):
        return resource.removeprefix(TRUNK_ENDPOINT_PREFIX)
    return resource
