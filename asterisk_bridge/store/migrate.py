"""Alembic, driven from code with the migrations shipped in the package."""

from __future__ import annotations

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from asterisk_bridge.errors import StoreError
from asterisk_bridge.resources import migrations_dir
from asterisk_bridge.store.engine import redacted_url


def _one_line(err: object) -> str:
    return " ".join(str(err).split())


def _alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return cfg


def _run(engine: Engine, fn: str, revision: str) -> None:
    cfg = _alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            getattr(command, fn)(cfg, revision)
    except OperationalError as exc:
        raise StoreError(
            f"cannot migrate {redacted_url(str(engine.url))}: {_one_line(exc.orig)}"
        ) from None
    except CommandError as exc:
        raise StoreError(f"cannot {fn} to {revision!r}: {exc}") from None


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema up to ``revision`` (default: newest)."""
    _run(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema down to ``revision`` (``base`` removes every Voco table)."""
    _run(engine, "downgrade", revision)


def discards_oplog(engine: Engine, revision: str) -> list[str]:
    """The revisions a downgrade to *revision* would undo that drop operation-log tables.

    Each such migration says so with a module-level ``DOWNGRADE_DISCARDS_OPLOG = True``.
    """
    heads = current(engine)
    if not heads:
        return []
    script = ScriptDirectory.from_config(_alembic_config())
    try:
        undone = list(script.iterate_revisions(tuple(heads), revision))
    except CommandError as exc:
        raise StoreError(f"cannot downgrade to {revision!r}: {exc}") from None
    return [r.revision for r in undone if getattr(r.module, "DOWNGRADE_DISCARDS_OPLOG", False)]


def current(engine: Engine) -> list[str]:
    """The revisions the database is at (empty before the first upgrade)."""
    try:
        with engine.connect() as conn:
            return sorted(MigrationContext.configure(conn).get_current_heads())
    except OperationalError as exc:
        where = redacted_url(str(engine.url))
        raise StoreError(f"cannot read {where}: {_one_line(exc.orig)}") from None


def heads() -> list[str]:
    """The newest revisions the installed package ships."""
    return sorted(ScriptDirectory.from_config(_alembic_config()).get_heads())
