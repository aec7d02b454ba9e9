"""The MAC that makes a node believe a Voco peer's ``X-Voco-Call`` header (docs/multinode.md).

Asterisk's dialplan signs and checks the header itself (``voco-peer-out``, ``voco-peer-link``),
with the only keyed-hash building block it has: ``SHA1()`` (no HMAC). The MAC is
``SHA1(outer . SHA1(inner . payload))`` in lower-case hex, where the payload is
``node/linkedid/epoch``: the outer hash's input has a fixed length, so SHA-1's length extension
gains nothing, and the two secrets are independent. Both are derived from the master key with HKDF
under their own labels, so every node of a store renders the same ones without provisioning
anything, and a key rotation changes them at each node's next apply. The epoch (the signing
time) bounds a replay to :data:`WINDOW`. This module is the construction's reference: apply
renders the secrets with it, and the tests sign with it.
"""

from __future__ import annotations

import hashlib

from asterisk_bridge.crypto.subkey import subkey

#: The dialplan globals holding the secrets (apply masks them in diffs, backups and messages).
INNER_GLOBAL = "VOCO_PEER_INNER_SECRET"
OUTER_GLOBAL = "VOCO_PEER_OUTER_SECRET"
_LABELS = {INNER_GLOBAL: b"voco-peer-call-mac-inner-v1",
           OUTER_GLOBAL: b"voco-peer-call-mac-outer-v1"}

#: How many seconds a header's signing time may differ from the receiving node's clock, either
#: way: a captured header is worthless after it, and the nodes' clocks must agree within it.
WINDOW = 30


def secrets(master_key: bytes) -> dict[str, str]:
    """The two secrets as dialplan globals: 64 hex digits each (printable, no config
    metacharacters, and a fixed length, so ``secret . value`` splits one way only)."""
    return {name: subkey(master_key, label).hex() for name, label in _LABELS.items()}


def mac(keys: dict[str, str], payload: str) -> str:
    """What the dialplan computes for *payload* (``node/linkedid/epoch``)."""
    inner = hashlib.sha1((keys[INNER_GLOBAL] + payload).encode()).hexdigest()
    return hashlib.sha1((keys[OUTER_GLOBAL] + inner).encode()).hexdigest()


def header(keys: dict[str, str], call: str, at: int) -> str:
    """The header value a node sends for *call* (``node/linkedid``) signed at epoch *at*."""
    payload = f"{call}/{at}"
    return f"{payload}/{mac(keys, payload)}"
