"""Master.csv rotation: imported once, late appends caught, deleted only when safe."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from asterisk_bridge.cdr.reconcile import reconcile
from asterisk_bridge.cdr.rows import Row

DATA = Path(__file__).parent / "data"


class Collector:
    """Stands in for the durable sink: remembers every batch handed over."""

    def __init__(self) -> None:
        self.rows: list[Row] = []

    def __call__(self, batch: Sequence[Row]) -> None:
        self.rows.extend(batch)


def test_rotate_import_then_delete_after_grace(tmp_path: Path) -> None:
    text = (DATA / "cdr_attended_transfer.csv").read_text()
    master = tmp_path / "Master.csv"
    master.write_text(text)
    sink = Collector()
    report = reconcile(tmp_path, "node1", sink, grace_s=3600)
    assert report.records == 9 and len(sink.rows) == 9
    assert not master.exists()  # Asterisk creates a new one with its next record
    (done,) = tmp_path.glob("Master.csv.voco-*.done-*")
    assert done.name.endswith(f".done-{len(text.encode())}")
    # A record that was being appended while the file was renamed lands in the renamed file.
    late = (DATA / "cdr_no_answer.csv").read_text().splitlines(keepends=True)[0]
    with done.open("a") as fh:
        fh.write(late)
    master.write_text((DATA / "cdr_queue_ringall.csv").read_text())  # new calls meanwhile
    reconcile(tmp_path, "node1", sink, grace_s=3600)  # within the grace: .done kept
    assert done.exists() and len(sink.rows) == 9 + 5
    reconcile(tmp_path, "node1", sink, grace_s=0)  # past the grace: tail read, then deleted
    assert not done.exists()
    assert (sink.rows[-1]["uniqueid"], sink.rows[-1]["sequence"]) == ("1795915404.0", 0)
    keys = [(r["uniqueid"], r["sequence"]) for r in sink.rows]
    assert len(keys) == 9 + 5 + 1  # each record handed over once, the late one too
    reconcile(tmp_path, "node1", sink, grace_s=0)
    assert list(tmp_path.iterdir()) == []  # nothing of Asterisk's copy left behind


def test_file_with_unreadable_lines_is_kept_for_an_admin(tmp_path: Path) -> None:
    (tmp_path / "Master.csv").write_text("garbage\n" + (DATA / "cdr_no_answer.csv").read_text())
    sink = Collector()
    report = reconcile(tmp_path, "node1", sink, grace_s=0)
    assert len(sink.rows) == 4 and len(report.malformed) == 1
    (kept,) = tmp_path.iterdir()
    assert kept.name.endswith(".unreadable")
    reconcile(tmp_path, "node1", sink, grace_s=0)
    assert kept.exists() and len(sink.rows) == 4  # never re-imported, never deleted


def test_missing_directory_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    assert reconcile(tmp_path / "absent", "n", Collector()).records == 0


def test_sink_failure_keeps_the_file(tmp_path: Path) -> None:
    (tmp_path / "Master.csv").write_text((DATA / "cdr_no_answer.csv").read_text())

    def broken(batch: Sequence[Row]) -> None:
        raise RuntimeError("store and journal both failed")

    with pytest.raises(RuntimeError):
        reconcile(tmp_path, "n", broken)
    (left,) = tmp_path.iterdir()
    assert ".done-" not in left.name  # not marked imported: the next pass imports it
    sink = Collector()
    reconcile(tmp_path, "n", sink)
    assert len(sink.rows) == 4
