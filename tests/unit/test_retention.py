"""Retention per category: off until set, enforced by 'voco retention run' and by the bridge's
retention capability; recordings are crypto-shredded with a tombstone, only this node's."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from asterisk_bridge.retention import policy
from asterisk_bridge.retention.capability import RetentionCapability
from asterisk_bridge.store.models.recording import Recording, RecordingTombstone
from tests.conftest import CliCall
from tests.polling import await_for
from tests.unit.cli_support import ok
from tests.unit.subject_support import REC_A, REC_B, Store, build, counts


@pytest.fixture
def store(config_path: Path, tmp_path: Path, ram_spool: Path, run_cli: CliCall) -> Store:
    return build(f"sqlite:///{tmp_path / 'store.db'}", config_path, tmp_path, ram_spool,
                 run_cli)


@pytest.fixture
def three_days_later(monkeypatch: pytest.MonkeyPatch) -> None:
    later = policy.now() + timedelta(days=3)
    monkeypatch.setattr(policy, "now", lambda: later)


def test_every_category_is_off_until_set(store: Store, three_days_later: None) -> None:
    assert ok(store.cli, "retention", "show", "--json").strip().splitlines()[1:8] == [
        ' "cdr": null,', ' "recordings": null,', ' "debug-logs": null,',
        ' "notifications": null,', ' "voicemail": null,', ' "transcripts": null,',
        ' "captures": null']
    assert "nothing deleted" in ok(store.cli, "retention", "run")
    assert counts(store.app) == (3, 2)
    ok(store.cli, "retention", "set", "recordings", "2")
    with store.app.engine.begin() as conn:  # B was recorded on another node: its disk, its purge
        conn.execute(update(Recording).where(Recording.id == REC_B).values(node="node2"))
    assert ok(store.cli, "retention", "run").strip() == "recordings: deleted 1"
    assert counts(store.app) == (3, 1)
    with store.app.engine.connect() as conn:
        assert conn.execute(select(RecordingTombstone.recording_id)).scalars().all() == [REC_A]
        assert conn.execute(select(Recording.id)).scalars().all() == [REC_B]
    result = store.cli("retention", "set", "faxes", "5")
    assert result.exit_code == 2 and "faxes" in result.output


def test_the_bridge_enforces_retention(store: Store, three_days_later: None) -> None:
    ok(store.cli, "retention", "set", "cdr", "1")
    ok(store.cli, "retention", "set", "recordings", "1")
    capability = RetentionCapability(store.app, every_s=3600)

    async def run() -> None:
        await capability.on_connected("ami", None)
        await capability.on_connected("ari", None)  # one round, however many links
        await await_for(lambda: counts(store.app) == (0, 0), "the purge")
        await capability.close()

    asyncio.run(run())
