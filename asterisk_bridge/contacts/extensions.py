"""What contacts need from the provisioning domain: that an extension exists, and whether a
proposed passphrase is its SIP secret (which Voco stores, so it must never lock contacts)."""

from __future__ import annotations

import hmac

from sqlalchemy.orm import Session

from asterisk_bridge.provisioning import extensions, links, validate


def check_extension(session: Session, extension: str) -> str:
    """The validated number of an extension that exists; ValidationError otherwise."""
    number = validate.extension(extension)
    links.ensure_exists(session, "extension", number, "extension")
    return number


def is_sip_secret(session: Session, master_key: bytes, number: str, presented: str) -> bool:
    """Whether *presented* is the extension's current SIP secret (constant-time comparison)."""
    current = extensions.secret(session.connection(), master_key, number)
    return hmac.compare_digest(current.encode(), presented.encode())
