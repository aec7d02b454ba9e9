"""The schema: one module per domain, all on one MetaData so Alembic sees every table."""

from asterisk_bridge.store.models import (
    agents,  # noqa: F401  (registers its tables)
    bridge,  # noqa: F401  (registers its tables)
    capture,  # noqa: F401  (registers its tables)
    cdr,  # noqa: F401  (registers its tables)
    consent,  # noqa: F401  (registers its tables)
    contacts,  # noqa: F401  (registers its tables)
    debuglog,  # noqa: F401  (registers its tables)
    disclosures,  # noqa: F401  (registers its tables)
    grants,  # noqa: F401  (registers its tables)
    holds,  # noqa: F401  (registers its tables)
    intrusion,  # noqa: F401  (registers its tables)
    notifications,  # noqa: F401  (registers its tables)
    provisioning,  # noqa: F401  (registers its tables)
    recording,  # noqa: F401  (registers its tables)
    retention,  # noqa: F401  (registers its tables)
    subjects,  # noqa: F401  (registers its tables)
    voicemail,  # noqa: F401  (registers its tables)
)
from asterisk_bridge.store.models.base import Base
from asterisk_bridge.store.models.core import ConnectionGap, OplogEntry, OplogGenesis, OplogHead

__all__ = ["Base", "ConnectionGap", "OplogEntry", "OplogGenesis", "OplogHead"]
