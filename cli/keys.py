"""``voco keys``: master key rotation."""

from __future__ import annotations

import click

from cli.common import get_app, oplogged


@click.group("keys")
def keys_group() -> None:
    """The master key that seals recording keys, provisioning secrets and the log."""


@keys_group.command("rotate")
@click.pass_context
@oplogged
def rotate_cmd(ctx: click.Context) -> None:
    """Re-seal everything the master key seals under a new key, in one transaction.

    Recording data keys, SIP secrets, trunk passwords, conference PINs and the operation
    log's seals are re-sealed together, or nothing is; audio files are not touched. The old
    key is kept as master.key.old-<time> (0600): delete it once backups made before the
    rotation may expire. An interrupted rotation is finished by running this again.
    """
    from asterisk_bridge.masterkey import rotate
    from asterisk_bridge.notifications.hosted import told_after

    app = get_app(ctx)
    with told_after(app):  # key_rotated reaches its rules, opened with the new key
        report = rotate.rotate(app)
        del app.master_key  # the operation log entry must be sealed with the new key
    click.echo(f"master key {report.old_key_id} -> {report.new_key_id}; re-sealed:")
    for kind, count in report.resealed.items():
        click.echo(f"  {kind}: {count}")
    click.echo(f"old key kept at {report.backup}; delete it when no backup needs it")
