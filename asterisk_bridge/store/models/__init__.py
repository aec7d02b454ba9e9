"""The schema: one module per domain, all on one MetaData so Alembic sees every table."""

from asterisk_bridge.store.models import provisioning  # noqa: F401  (registers its tables)
from asterisk_bridge.store.models import consent  # noqa: F401  (registers its tables)
from asterisk_bridge.store.models import contacts  # noqa: F401  (registers its tables)
from asterisk_bridge.store.models import cdr  # noqa: F401  (registers its tables)
from asterisk_bridge.store.models import bridge  # noqa: F401  (registers its tables)
from asterisk_bridge.store.models import recording  # noqa: F401  (registers its tables)
from asterisk_bridge.store.models.base import Base
from asterisk_bridge.store.models.core import ConnectionGap, OplogEntry, OplogHead

__all__ = ["Base", "ConnectionGap", "OplogEntry", "OplogHead"]
