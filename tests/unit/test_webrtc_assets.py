"""The vendored browser phone is whole: every module it imports is there, and none is ignored.

SIP.js ships one module under ``lib/grammar/pegjs/dist/``; a ``dist/`` ignore rule once kept
it out of the repository, so the page loaded in the author's checkout and nowhere else (the
browser stopped at the 404, and the WebRTC test saw an empty page).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ASSETS = REPO / "tests" / "assets" / "webrtc"
_IMPORT = re.compile(r"""(?:^|\s)(?:import|export)\b[^"']*?\bfrom\s*["'](\.[^"']+)["']"""
                     r"""|(?:^|\s)import\s*["'](\.[^"']+)["']""", re.MULTILINE)


def _modules() -> list[Path]:
    return sorted(p for p in ASSETS.rglob("*.js") if p.is_file())


def test_every_relative_import_of_the_page_resolves() -> None:
    missing = []
    for module in _modules():
        for match in _IMPORT.finditer(module.read_text(encoding="utf-8")):
            target = (module.parent / (match.group(1) or match.group(2))).resolve()
            if not target.is_file():
                missing.append(f"{module.relative_to(ASSETS)} -> {target.relative_to(ASSETS)}")
    assert len(_modules()) > 100 and missing == []


@pytest.mark.skipif(shutil.which("git") is None or not (REPO / ".git").exists(),
                    reason="not a git checkout")
def test_no_asset_is_ignored_by_git() -> None:
    files = [str(p.relative_to(REPO)) for p in ASSETS.rglob("*") if p.is_file()]
    done = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], cwd=REPO,
                          input="\n".join(files), capture_output=True, text=True, check=False)
    assert done.stdout.split() == []
