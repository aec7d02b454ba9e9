"""Keeping secrets out of the operation log, which every admin can read."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REDACTED = "***"
# Argument names that hold secrets: "secret", "new_pin", "api_token", "master_key", ... but not
# identifiers such as a policy "key" or "pinned".
_SECRET_NAME = re.compile(
    r"(^|_)(secret|password|passwd|passphrase|token|pin|credentials?)($|_)|(^|_)\w+_key$",
    re.IGNORECASE,
)


def redact(args: Mapping[str, Any]) -> dict[str, Any]:
    """Replace the value of every argument whose name suggests a secret."""
    return {
        k: (REDACTED if _SECRET_NAME.search(k) and v not in (None, "", False) else v)
        for k, v in args.items()
    }
