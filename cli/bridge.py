"""``voco bridge``: run the bridge, and report its connection state."""

from __future__ import annotations

import click


@click.group("bridge")
def bridge_group() -> None:
    """The bridge between Asterisk (AMI, ARI) and the store."""


def register(group: click.Group) -> None:
    """Add the group to the top-level group."""
    group.add_command(bridge_group)
