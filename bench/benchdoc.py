"""docs/benchmarks.md holds one ``## `` section per bench; each bench rewrites only its own."""

from __future__ import annotations

import re
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def replace_section(section: str) -> Path:
    """Replace the section whose heading is ``section``'s first line (append it if missing)."""
    heading = section.splitlines()[0]
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    BENCHMARKS.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
    return BENCHMARKS
