"""What contacts need to know about extensions, which the provisioning domain owns."""

from __future__ import annotations

from sqlalchemy.orm import Session

from asterisk_bridge import validate


def check_extension(session: Session, extension: str) -> str:
    """Validate an extension number for a grant or a keyring."""
    return validate.extension(extension)
