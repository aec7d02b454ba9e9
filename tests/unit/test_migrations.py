"""Migrations upgrade and downgrade cleanly on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from asterisk_bridge.store import migrate
from asterisk_bridge.store.engine import make_engine
from asterisk_bridge.store.models import Base


def test_upgrade_downgrade_upgrade(db_url: str) -> None:
    engine = make_engine(db_url)
    assert migrate.current(engine) == []
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.heads()
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    migrate.downgrade(engine, "base")
    assert migrate.current(engine) == []
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.heads()


def test_cli_init_and_upgrade_on_postgresql(run_cli, pg_url: str) -> None:
    result = run_cli("init", "--db", pg_url)
    assert result.exit_code == 0, result.output
    assert run_cli("db", "upgrade").exit_code == 0
    current = run_cli("db", "current")
    assert "run 'voco db upgrade'" not in current.output
    assert run_cli("oplog", "verify").output.startswith("operation log intact: 2 entries")


def test_unreachable_database_is_one_line(run_cli, config_path) -> None:
    result = run_cli("init", "--db", "postgresql+psycopg://postgres@127.0.0.1:1/none")
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "cannot migrate" in result.output and "Connection refused" in result.output
    assert not (config_path.parent / "data").exists() and not config_path.exists()


def test_every_revision_downgrades_one_step_at_a_time(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    script = ScriptDirectory.from_config(migrate._alembic_config())
    chain = [rev.revision for rev in script.walk_revisions()]  # newest first
    assert len(migrate.heads()) == 1, "the revisions must form one chain"
    for newer, older in zip(chain, [*chain[1:], "base"], strict=True):
        assert migrate.current(engine) == [newer]
        migrate.downgrade(engine, older)
    assert migrate.current(engine) == []


def test_migrations_match_the_models(db_url: str) -> None:
    """What the models declare is exactly what the migrations build (no drift)."""
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(ctx, Base.metadata)
    assert diffs == []
