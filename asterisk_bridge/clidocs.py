"""The CLI reference in docs/cli.md, generated from the commands' own ``--help``.

Help text is the single source of truth (as in sqlite-utils); a test fails when docs/cli.md no
longer matches, and ``python -m asterisk_bridge.clidocs`` rewrites it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click

from asterisk_bridge.errors import EXIT_CODE_MEANINGS

HEADER = """# `voco` command reference

Generated from `voco … --help` by `python -m asterisk_bridge.clidocs`; do not edit by hand.

## Exit codes

Every command exits with one of these; a failing command prints one line on standard error
saying what went wrong and what to do, never a traceback (a traceback is a bug: report it).

| Code | Meaning |
|------|---------|
"""


def _exit_codes() -> str:
    return "".join(f"| {code.value} ({code.name.lower().replace('_', ' ')}) | {meaning} |\n"
                   for code, meaning in EXIT_CODE_MEANINGS.items())


def _walk(cmd: click.Command, path: list[str]) -> Iterator[tuple[list[str], click.Command]]:
    yield path, cmd
    if isinstance(cmd, click.Group):
        for name in sorted(cmd.list_commands(click.Context(cmd))):
            sub = cmd.get_command(click.Context(cmd), name)
            if sub is not None and not sub.hidden:
                yield from _walk(sub, [*path, name])


def render(root: click.Command) -> str:
    """Markdown: one section per command, holding its help text as ``--help`` prints it."""
    parts = [HEADER + _exit_codes()]
    for path, cmd in _walk(root, ["voco"]):
        with click.Context(cmd, info_name=" ".join(path), terminal_width=100) as ctx:
            text = cmd.get_help(ctx)
        level = "#" * min(len(path) + 1, 4)
        parts.append(f"{level} `{' '.join(path)}`\n\n```\n{text}\n```\n")
    return "\n".join(parts)


def main() -> None:
    """Rewrite docs/cli.md (path as argument, default docs/cli.md)."""
    from cli.main import voco

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/cli.md")
    target.write_text(render(voco), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
