"""Test vectors read from docs/recording-format.md, so the doc and the code cannot drift apart."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "recording-format.md"


def load_vectors(kind: str) -> list[dict[str, str]]:
    """The records of the doc's fenced ``kind`` block (``name = value``; indented lines continue
    a wrapped hex value; a blank line separates records)."""
    match = re.search(rf"^```{kind}\n(.*?)^```$", DOC.read_text(encoding="utf-8"), re.M | re.S)
    assert match, f"no {kind} block in {DOC}"
    vectors = []
    for record in match.group(1).strip().split("\n\n"):
        fields: dict[str, str] = {}
        name = ""
        for line in record.splitlines():
            if line[0].isspace():
                fields[name] += line.strip()
            else:
                name, _, value = line.partition("=")
                name = name.strip()
                fields[name] = value.strip()
        vectors.append(fields)
    return vectors
