"""Everything a command needs once the config is read: the config, the store, the master key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from asterisk_bridge import oplog
from asterisk_bridge.config import Config, load_config
from asterisk_bridge.masterkey import load_master_key
from asterisk_bridge.store.engine import make_engine


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
        return make_engine(self.config.db_url)

    @cached_property
    def master_key(self) -> bytes:
        """The master key, permission-checked."""
        return load_master_key(self.config.master_key_file)

    def record(self, command: str, args: Mapping[str, Any], result: str, message: str = "",
               actor: str | None = None) -> int:
        """Write one operation-log entry."""
        return oplog.append(self.engine, self.master_key, command, args, result, message, actor)
