"""``voco queue``: call queues and their members (extensions)."""

from __future__ import annotations

import click

from asterisk_bridge.provisioning.choices import STRATEGIES
from cli.common import get_app, oplogged
from cli.provision_output import add_read_commands, changes, emit, json_option


@click.group("queue")
def queue_group() -> None:
    """Queues: callers wait while member extensions ring."""


@queue_group.command("add")
@click.argument("name")
@click.option("--number", required=True, help="Internal number callers dial to queue.")
@click.option("--strategy", type=click.Choice(STRATEGIES), default="ringall", show_default=True)
@click.option("--timeout", type=int, default=15, show_default=True,
              help="Seconds each attempt rings a member.")
@click.option("--member", "members", multiple=True, help="Member extension (repeatable).")
@json_option
@click.pass_context
@oplogged
def add_cmd(ctx: click.Context, name: str, number: str, strategy: str, timeout: int,
            members: tuple[str, ...], as_json: bool) -> None:
    """Create queue NAME."""
    from asterisk_bridge.provisioning import queues
    from asterisk_bridge.provisioning.queues import Queue

    app = get_app(ctx)
    emit(queues.add(app.engine, Queue(name=name, number=number, strategy=strategy,
                                      timeout=timeout, members=members)), as_json, app.engine)


@queue_group.command("set")
@click.argument("name")
@click.option("--number")
@click.option("--strategy", type=click.Choice(STRATEGIES))
@click.option("--timeout", type=int)
@json_option
@click.pass_context
@oplogged
def set_cmd(ctx: click.Context, name: str, as_json: bool, **opts: str | int | None) -> None:
    """Change queue NAME (members: see 'voco queue member')."""
    from asterisk_bridge.provisioning import queues

    app = get_app(ctx)
    emit(queues.update(app.engine, name, **changes(**opts)), as_json, app.engine)


add_read_commands(queue_group, "queue", "name", "asterisk_bridge.provisioning.queues")


@queue_group.group("member")
def member_group() -> None:
    """Queue members."""


@member_group.command("add")
@click.argument("name")
@click.argument("extension")
@click.pass_context
@oplogged
def member_add(ctx: click.Context, name: str, extension: str) -> None:
    """Make EXTENSION a member of queue NAME."""
    from asterisk_bridge.provisioning import queues

    queue = queues.add_member(get_app(ctx).engine, name, extension)
    click.echo(f"queue {name} members: {', '.join(queue.members)}")


@member_group.command("remove")
@click.argument("name")
@click.argument("extension")
@click.pass_context
@oplogged
def member_remove(ctx: click.Context, name: str, extension: str) -> None:
    """Take EXTENSION out of queue NAME."""
    from asterisk_bridge.provisioning import queues

    queue = queues.remove_member(get_app(ctx).engine, name, extension)
    click.echo(f"queue {name} members: {', '.join(queue.members) or '(none)'}")
