"""The CLI reference in docs/cli.md, generated from the commands' own ``--help``.

Help text is the single source of truth (as in sqlite-utils); a test fails when docs/cli.md no
longer matches, and ``python -m asterisk_bridge.services.clidocs`` rewrites it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click

from asterisk_bridge.errors import EXIT_CODE_MEANINGS

HEADER = """# `voco` command reference

Generated from `voco … --help` by `python -m asterisk_bridge.services.clidocs`; do not edit by hand.

## Output

Text is for people: a list is a table with a header row (or one line saying there is nothing),
and a channel is shown as the extension or trunk it belongs to (`PJSIP/2002-00000001` is `2002`).

`--json` is for scripts, with one convention everywhere:

- a command that lists things prints one JSON array of objects, `[]` when there are none;
- a command that shows one thing (a record, a status, a decision, a report) prints one JSON
  object.

Each command's `--json` help below says which of the two it prints. Every command that shows
data takes `--json`; a command that changes something prints a confirmation, except `add`/`set`
of provisioned records and `config import`, which print the result as a JSON object with
`--json`. Errors are never JSON: one line on standard error, and the exit code.

## Exit codes

Every command exits with one of these; a failing command prints one line on standard error
saying what went wrong and what to do, never a traceback (a traceback is a bug: report it).

| Code | Meaning |
|------|---------|
"""


def _exit_codes() -> str:
    return "".join(f"| {code.value} ({code.name.lower().replace('_', ' ')}) | {meaning} |\n"
                   for code, meaning in EXIT_CODE_MEANINGS.items())


def walk(cmd: click.Command, path: list[str]) -> Iterator[tuple[list[str], click.Command]]:
    """Every command under *cmd* (itself first), with its path, in the order docs/cli.md shows
    them."""
    yield path, cmd
    if isinstance(cmd, click.Group):
        for name in sorted(cmd.list_commands(click.Context(cmd))):
            sub = cmd.get_command(click.Context(cmd), name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, [*path, name])


def render(root: click.Command) -> str:
    """Markdown: one section per command, holding its help text as ``--help`` prints it."""
    parts = [HEADER + _exit_codes()]
    for path, cmd in walk(root, ["voco"]):
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
