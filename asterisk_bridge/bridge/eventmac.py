"""Signed dialplan events: the bridge believes a Voco ``UserEvent`` only if Asterisk signed it.

Asterisk writes channel fields into AMI events without escaping them, so a caller who puts CR LF
into a dialled string or a SIP From user makes every AMI session read a whole event of their
choosing (docs/dialplan-safety.md). A forged ``UserEvent: VocoRecording`` would store consent
that nobody gave. So the dialplan signs each event it raises: ``Mac`` is
SHA-1(secret | name | field values… | secret), computed by Asterisk's ``SHA1()`` with a secret
that only the dialplan and the bridge know (a global rendered by ``voco apply`` from a 0600 file
beside the AMI secret; AMI users without write access cannot read globals). The field values
include the channel's ``Uniqueid`` and ``Linkedid``, so a signed event cannot be replayed onto
another call. An event that fails the check is dropped and counted, never stored.

SHA-1 with the secret at both ends is what Asterisk's dialplan can compute (it has no HMAC); the
secret is 192 random bits and a forger sees no signature on a message of their choosing.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any

from asterisk_bridge.config import AsteriskSettings, read_secret, write_secret

#: The dialplan global holding the secret (apply masks it in diffs, backups and messages).
GLOBAL = "VOCO_EVENT_SECRET"
MAC_HEADER = "Mac"


def secret(settings: AsteriskSettings) -> str:
    """This node's event secret, created (0600) on first use."""
    path = settings.event_secret_file
    if not path.exists():
        return write_secret(path)
    return read_secret(str(path), "dialplan event")


def mac(key: str, name: str, values: Sequence[str]) -> str:
    """The signature the dialplan computes for event *name* carrying *values*, in order."""
    return hashlib.sha1("|".join([key, name, *values, key]).encode()).hexdigest()


def verify(key: str, event: Mapping[str, Any], name: str, headers: Sequence[str]) -> bool:
    """Whether *event* carries *headers* (each exactly once) and Asterisk's signature of them."""
    values = [event.get(h) for h in headers]
    given = event.get(MAC_HEADER)
    if not isinstance(given, str) or not all(isinstance(v, str) for v in values):
        return False
    return hmac.compare_digest(mac(key, name, [str(v) for v in values]), given.lower())
