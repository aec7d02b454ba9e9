"""CLI start-up: wall time of ``voco`` commands that touch neither the store nor Asterisk, against
``python -c "import click"`` (the floor of any click program) measured in the same run.

Usage: .venv/bin/python bench/bench_cli.py [--repeat 15]

Each command runs as a fresh process (the installed ``voco`` script, as a user runs it); a
figure is the median of ``--repeat`` runs, interleaved so a burst of load from elsewhere hits
every command alike. ``voco bridge status`` reads a config and a status file (a fresh ``voco
init`` in a temporary directory, not timed). For comparison, one command that opens the store
(``voco cdr list`` on that empty SQLite store) and the import of everything the CLI can reach
(what every command paid before subcommands loaded lazily). The goal: under 300 ms.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchdoc import replace_section

SECTION = "## CLI start-up"
GOAL_MS = 300.0
BIN = Path(sys.executable).parent
EVERYTHING = ("import cli.main, asterisk_bridge.bridge.runner, asterisk_bridge.store.migrate, "
              "asterisk_bridge.generator.apply")


def commands(voco: str) -> list[tuple[str, list[str], bool]]:
    """(label, argv, touches neither store nor Asterisk)."""
    py = sys.executable
    return [
        ('baseline: python -c "import click"', [py, "-c", "import click"], False),
        ("voco --help", [voco, "--help"], True),
        ("voco --version", [voco, "--version"], True),
        ("voco cdr --help", [voco, "cdr", "--help"], True),
        ("voco recording --help", [voco, "recording", "--help"], True),
        ("voco contact personal --help", [voco, "contact", "personal", "--help"], True),
        ("voco bridge status", [voco, "bridge", "status"], True),
        ("(reference) voco cdr list: opens the store", [voco, "cdr", "list"], False),
        ("(reference) importing everything the CLI reaches", [py, "-c", EVERYTHING], False),
    ]


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run: on an idle machine a single-threaded start-up's
    wall time is about its CPU time, which other processes' load moves much less."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(repeat: int) -> list[tuple[str, float, bool, float]]:
    """(label, median wall seconds, touches neither store nor Asterisk, median CPU seconds)."""
    with tempfile.TemporaryDirectory(prefix="voco-bench-cli-") as work:
        config = Path(work) / "voco.toml"
        env = {**os.environ, "VOCO_CONFIG": str(config)}
        voco = str(BIN / "voco")
        subprocess.run([voco, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
        table = commands(voco)
        times: dict[str, list[tuple[float, float]]] = {label: [] for label, _, _ in table}
        for _label, argv, _ in table:  # warm the page cache
            run_once(argv, env)
        for _ in range(repeat):
            for label, argv, _ in table:
                times[label].append(run_once(argv, env))
    return [(label, statistics.median(w for w, _ in times[label]), light,
             statistics.median(c for _, c in times[label])) for label, _, light in table]


def render(repeat: int, results: list[tuple[str, float, bool, float]]) -> str:
    base = results[0][1]
    rows = "\n".join(
        f"| {label} | {secs * 1000:.0f} ms | {secs / base:.1f}x | {cpu * 1000:.0f} ms | "
        f"{('yes' if secs * 1000 < GOAL_MS else '**no**') if light else ''} |"
        for label, secs, light, cpu in results)
    light = [secs for _, secs, is_light, _ in results if is_light]
    light_cpu = [cpu for _, _, is_light, cpu in results if is_light]
    return f"""{SECTION}

Measured {time.strftime("%Y-%m-%d")} with `.venv/bin/python bench/bench_cli.py --repeat {repeat}` \
on {os.cpu_count()} cores shared with other engineers' test runs (absolute times move with their \
load; the ratios against the baseline, taken in the same interleaved rounds, move less). Each \
figure is the median of {repeat} fresh processes.

| command | wall time | vs baseline | CPU time | wall under {GOAL_MS:.0f} ms |
|---|---:|---:|---:|---|
{rows}

- Commands that touch neither the store nor Asterisk take {min(light) * 1000:.0f}-\
{max(light) * 1000:.0f} ms, {min(light) / base:.1f}-{max(light) / base:.1f}x a bare \
`import click`, and {min(light_cpu) * 1000:.0f}-{max(light_cpu) * 1000:.0f} ms of CPU (what \
they take in wall time on an idle machine). Subcommands load lazily (`cli/main.py`'s \
table) and the `cli` modules import the store, the bridge and the crypto inside the commands \
that use them; a unit test (`tests/unit/test_cli_lazy.py`) fails if a help page imports \
SQLAlchemy, Alembic or the AMI client.
- Before, every command paid for importing all of it (last row).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    section = render(args.repeat, measure(args.repeat))
    print(section)
    replace_section(section)


if __name__ == "__main__":
    main()
