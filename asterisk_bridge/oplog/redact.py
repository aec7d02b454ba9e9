"""Keeping secrets out of the operation log, which every admin can read: secret arguments are
replaced by ``***`` and scrubbed from the entry's message."""

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


def _is_secret(name: str, value: Any) -> bool:
    return bool(_SECRET_NAME.search(name)) and value not in (None, "", False)


def redact(args: Mapping[str, Any]) -> dict[str, Any]:
    """Replace the value of every argument whose name suggests a secret."""
    return {k: (REDACTED if _is_secret(k, v) else v) for k, v in args.items()}


def scrub(text: str, args: Mapping[str, Any]) -> str:
    """*text* without the value of any secret argument in *args*.

    A second line of defence for messages (an error text is stored with its entry): validators
    already never quote a secret, but a message from elsewhere (a library, a later command)
    might.
    """
    for name, value in args.items():
        if _is_secret(name, value) and isinstance(value, str):
            for form in {value, value.strip()} - {""}:
                text = text.replace(form, REDACTED)
    return text
