"""Unified diffs of rendered configuration, with secret values masked.

The diff is shown to the admin and its SHA-256 goes into the operation log, so neither may carry
a SIP password, a password digest or a PIN; the apply backups are masked the same way. A masked
value is replaced by a keyed fingerprint: a changed secret still shows as a changed line without
revealing either value.
"""

from __future__ import annotations

import difflib
import hashlib
import hmac
import re
from collections.abc import Mapping

_SECRET_GLOBAL = r"VOCO_[A-Z_]*SECRET"
_SECRET_LINE = re.compile(
    rf"^(\s*(?:password|password_digest|pin|secret|{_SECRET_GLOBAL})\s*=\s*)(\S.*)$",
    re.MULTILINE)


def secret_global(name: str) -> bool:
    """Whether dialplan global *name* holds a secret (``VOCO_EVENT_SECRET``, the peer MAC
    secrets): its value is masked wherever Voco shows a global."""
    return re.fullmatch(_SECRET_GLOBAL, name) is not None


def mask(text: str, fingerprint_key: bytes) -> str:
    """Replace every ``password|password_digest|pin|secret = value`` (and the dialplan's
    ``VOCO_*SECRET`` globals) by ``<secret:hmac8>``."""
    def repl(m: re.Match[str]) -> str:
        tag = hmac.new(fingerprint_key, m.group(2).encode(), hashlib.sha256).hexdigest()[:8]
        return f"{m.group(1)}<secret:{tag}>"
    return _SECRET_LINE.sub(repl, text)


def unified(old: Mapping[str, str | None], new: Mapping[str, str], fingerprint_key: bytes) -> str:
    """One unified diff over every file whose text changes (``None`` = file absent)."""
    parts: list[str] = []
    for name in sorted(new):
        before, after = old.get(name), new[name]
        if before == after:
            continue
        parts.extend(difflib.unified_diff(
            mask(before or "", fingerprint_key).splitlines(keepends=True),
            mask(after, fingerprint_key).splitlines(keepends=True),
            fromfile=f"a/{name}" if before is not None else "/dev/null", tofile=f"b/{name}"))
    return "".join(line if line.endswith("\n") else line + "\n" for line in parts)


def sha256(text: str) -> str:
    """The digest recorded in the operation log."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
