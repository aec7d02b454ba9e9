"""Everything a command needs once the config is read: the config, the store, the master key.

The store, the key and the log are imported when first used, so a command that only reads the
config (``voco bridge status``) starts without loading SQLAlchemy."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asterisk_bridge.config import Config, load_config

if TYPE_CHECKING:
    from sqlalchemy import Engine


@dataclass
class App:
    """Lazily opened resources for one process."""

    config: Config

    @classmethod
    def open(cls, config_path: Path) -> App:
        """Read the config file (raising ConfigError) and wrap it."""
        return cls(load_config(config_path))

    @cached_property
    def engine(self) -> Engine:
        """The store's engine."""
        from asterisk_bridge.store.engine import make_engine

        return make_engine(self.config.db_url)

    @cached_property
    def master_key(self) -> bytes:
        """The master key, permission-checked."""
        from asterisk_bridge.masterkey import load_master_key

        return load_master_key(self.config.master_key_file)

    def record(self, command: str, args: Mapping[str, Any], result: str, message: str = "",
               actor: str | None = None) -> int:
        """Write one operation-log entry."""
        from asterisk_bridge import oplog

        return oplog.append(self.engine, self.master_key, command, args, result, message, actor)

    def tombstone(self, command: str, tomb: Mapping[str, Any], actor: str | None = None) -> int:
        """Record what was deleted for good; the tombstone is the entry's arguments and message."""
        return self.record(command, tomb, "ok", json.dumps(tomb, sort_keys=True), actor)
