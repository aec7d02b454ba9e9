"""``voco keys``: master key rotation."""

from __future__ import annotations

import click

from asterisk_bridge.recording import keys
from cli.common import get_app, oplogged


@click.group("keys")
def keys_group() -> None:
    """The master key that wraps every data key."""


@keys_group.command("rotate")
@click.pass_context
@oplogged
def rotate_cmd(ctx: click.Context) -> None:
    """Re-wrap every data key under a new master key; the audio files are not touched.

    The old key is kept as master.key.old-<time> (0600): delete it once backups made before
    the rotation may expire. An interrupted rotation is finished by running this again.
    """
    app = get_app(ctx)
    report = keys.rotate(app)
    del app.master_key  # the operation log entry must be sealed with the new key
    click.echo(f"master key {report.old_key_id} -> {report.new_key_id}: "
               f"{report.rewrapped} data keys re-wrapped, {report.resealed} log entries re-sealed")
    click.echo(f"old key kept at {report.backup}; delete it when no backup needs it")


def register(group: click.Group) -> None:
    """Add the group to the top-level group."""
    group.add_command(keys_group)
