"""``voco config export``: the provisioned state as a configuration file."""

from __future__ import annotations

from sqlalchemy import Engine

from asterisk_bridge.configio import schema
from asterisk_bridge.configio.registry import SECTIONS


def export_text(engine: Engine, master_key: bytes, with_secrets: bool) -> str:
    """Every registered section, read in one transaction so the file is a consistent snapshot."""
    with engine.connect() as conn, conn.begin():
        records = {s.name: s.read(conn, master_key, with_secrets) for s in SECTIONS}
    return schema.dumps(records, with_secrets)
