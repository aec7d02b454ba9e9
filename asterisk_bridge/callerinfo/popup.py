"""The popup request: the incoming caller's number and name (and the called number) POSTed to
a URL, signed so the receiver can trust it, with a short timeout and bounded retries, in a task
of its own: a slow receiver never holds up the call.

Signature: ``X-Voco-Signature: sha256=<hex HMAC-SHA256(key, timestamp + "." + body)>`` with
``X-Voco-Timestamp`` (Unix seconds); a receiver refuses a stale timestamp.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time

import httpx

TIMEOUT_S = 2.0
RETRIES = 2


def signature(key: str, timestamp: str, body: bytes) -> str:
    """The signature header's value."""
    mac = hmac.new(key.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


async def send(client: httpx.AsyncClient, url: str, key: str, facts: dict[str, str]) -> bool:
    """POST *facts*; True once the receiver answered 2xx (at most 1 + RETRIES attempts)."""
    body = json.dumps(facts, sort_keys=True).encode()
    for attempt in range(1 + RETRIES):
        stamp = str(int(time.time()))
        try:
            resp = await client.post(url, content=body, timeout=TIMEOUT_S, headers={
                "Content-Type": "application/json", "X-Voco-Timestamp": stamp,
                "X-Voco-Signature": signature(key, stamp, body)})
            if resp.is_success:
                return True
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.5 * (attempt + 1))
    return False
