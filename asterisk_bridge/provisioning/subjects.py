"""What a subject's rights reach of provisioning: an extension's owner (name, e-mail, mobile).

The extension itself (its number, its SIP endpoint) is internal and stays; the owner's fields,
sealed under the owner's key, become unreadable when the owner is erased."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from asterisk_bridge.provisioning import owners
from asterisk_bridge.subjects.reach import Reach


def _number(row: Mapping[str, Any]) -> str:
    return str(row["number"])


EXTENSIONS = Reach("extensions", table=owners.TABLE, row_ref=_number,
                   sealed=dict.fromkeys(owners.FIELDS, "owner_subject"))
