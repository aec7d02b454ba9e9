"""What an admin configures for the popup and CRM doors, validated: URLs are HTTPS unless the
host is loopback, names are plain, the deadline is short."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from asterisk_bridge.errors import ValidationError
from asterisk_bridge.provisioning import validate

MAX_DEADLINE_MS = 3000
_PATH = re.compile(r"[A-Za-z0-9_]{1,64}(\.[A-Za-z0-9_]{1,64}){0,7}")


def url(value: str, field: str = "url", template: bool = False) -> str:
    """An http(s) URL: HTTPS, or HTTP to a loopback address only; a CRM URL template must
    hold ``{number}`` (once) in its path or query."""
    text = value.strip()
    if any(ord(c) < 33 for c in text) or len(text) > 500:
        raise ValidationError(f"{field}: one URL without spaces, at most 500 characters")
    parts = urlsplit(text.replace("{number}", "0"))
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise ValidationError(f"{field}: {text[:60]!r} is not an http(s) URL with a host (and "
                              "no credentials in it)")
    if parts.scheme == "http" and not validate.is_loopback(host):
        raise ValidationError(f"{field}: plain HTTP only to this host; use https:// for "
                              f"{host}")
    if template and text.count("{number}") != 1:
        raise ValidationError(f"{field}: put {{number}} once where the caller's number goes, "
                              "e.g. https://crm.example/lookup?phone={number}")
    if not template and "{" in text:
        raise ValidationError(f"{field}: no placeholders in a popup URL")
    return text


def json_path(value: str) -> str:
    """Where the name is in the CRM's JSON answer: keys joined by dots (``contact.name``)."""
    text = value.strip()
    if not _PATH.fullmatch(text):
        raise ValidationError(f"name-path: {text[:40]!r}: use keys joined by dots, like "
                              "contact.name")
    return text


def deadline_ms(value: int) -> int:
    """How long a ringing call may wait for the CRM."""
    if not 100 <= value <= MAX_DEADLINE_MS:
        raise ValidationError(f"deadline: {value} ms; use 100 to {MAX_DEADLINE_MS}")
    return value
