"""The safe-write helper: exclusive random temp files, exact modes, no symlink is followed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from asterisk_bridge.errors import UnsafeFileError
from asterisk_bridge.safewrite import private_output, private_text_output, write_private


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_mode_is_0600_under_umask_000(tmp_path: Path, umask_000: None) -> None:
    target = tmp_path / "out.csv"
    write_private(target, "a,b\n")
    assert target.read_text() == "a,b\n" and _mode(target) == 0o600
    with private_text_output(tmp_path / "t.txt", mode=0o640) as out:
        out.write("x")
    assert _mode(tmp_path / "t.txt") == 0o640


def test_loose_existing_file_is_replaced_by_a_private_one(tmp_path: Path,
                                                          umask_000: None) -> None:
    target = tmp_path / "export.toml"
    target.write_text("old")
    os.chmod(target, 0o666)
    write_private(target, "new")
    assert target.read_text() == "new" and _mode(target) == 0o600


def test_planted_symlinks_at_predictable_temp_names_are_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    target = tmp_path / "export.toml"
    for name in (f".{target.name}.tmp", f"{target.name}.tmp", f".{target.name}.part"):
        (tmp_path / name).symlink_to(victim)
    write_private(target, "data")
    assert victim.read_text() == "precious"
    assert target.read_text() == "data" and not target.is_symlink()


def test_symlink_at_the_target_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    target = tmp_path / "export.toml"
    target.symlink_to(victim)
    with pytest.raises(UnsafeFileError, match="is a symbolic link"):
        write_private(target, "data")
    assert victim.read_text() == "precious" and target.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.toml", "victim"]


def test_failed_write_leaves_nothing_and_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), private_output(target) as out:
        out.write(b"half")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_no_replace_refuses_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "master.key"
    write_private(target, b"k1", replace=False)
    with pytest.raises(UnsafeFileError, match="already exists"):
        write_private(target, b"k2", replace=False)
    assert target.read_bytes() == b"k1"
    assert [p.name for p in tmp_path.iterdir()] == ["master.key"]
