"""The CRM lookup: one GET within a deadline, the name taken from a JSON path, cached in
memory only (a restart forgets every number)."""

from __future__ import annotations

import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import httpx

CACHE_S = 300.0
MAX_NAME = 80


def clean_name(value: object) -> str | None:
    """A displayable caller name: printable, one line, no AMI/dialplan separators, cut short."""
    if not isinstance(value, str):
        return None
    text = "".join(c if c.isprintable() else " " for c in value if c not in '"\\;<>')
    text = " ".join(text.split())[:MAX_NAME]
    return text or None


def pick(doc: Any, path: str) -> object:
    """The value at dotted *path* in a decoded JSON document (None when absent)."""
    for key in path.split("."):
        if isinstance(doc, list) and doc:
            doc = doc[0]
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


@dataclass
class CrmLookup:
    """One configured CRM."""

    url_template: str
    name_path: str
    deadline_s: float
    auth_header: str | None = None
    cache: dict[str, tuple[float, str | None]] = field(default_factory=dict)

    async def name_for(self, client: httpx.AsyncClient, number: str) -> str | None:
        """The contact's name for *number*, or None (unknown, slow, failing: the call goes
        on without it)."""
        now = time.monotonic()
        cached = self.cache.get(number)
        if cached and now - cached[0] < CACHE_S:
            return cached[1]
        url = self.url_template.replace("{number}", urllib.parse.quote(number, safe=""))
        headers = {"Accept": "application/json"}
        if self.auth_header:
            key, _, value = self.auth_header.partition(":")
            headers[key.strip()] = value.strip()
        try:
            resp = await client.get(url, headers=headers, timeout=self.deadline_s)
        except httpx.HTTPError:
            return None  # not cached: the next call asks again
        name = clean_name(pick(resp.json(), self.name_path)) if resp.status_code == 200 \
            and resp.headers.get("content-type", "").startswith("application/json") else None
        self.cache[number] = (now, name)
        return name
