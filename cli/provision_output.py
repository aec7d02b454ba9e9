"""What every provisioning noun shares: ``--json`` output and the list/show/remove commands."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import click
from sqlalchemy import Engine

from asterisk_bridge.provisioning.records import Spec
from cli.common import get_app, oplogged, oplogged_read, read_rows

json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")

Extra = Callable[[Engine, Spec], dict[str, Any]]


def _value(v: Any) -> str:
    if isinstance(v, list | tuple):
        return ",".join(str(x) for x in v) or "-"
    if isinstance(v, bool):
        return "on" if v else "off"
    return str(v) if v not in ("", None) else "-"


def emit(records: Spec | Sequence[Spec], as_json: bool, engine: Engine,
         extra: Extra | None = None, note: dict[str, Any] | None = None) -> None:
    """Print one record as ``field: value`` lines (or a list as one line each), or as JSON."""
    many = not isinstance(records, Spec)
    items: list[Spec] = [records] if isinstance(records, Spec) else list(records)
    dicts = [{**r.to_dict(), **(extra(engine, r) if extra else {})} for r in items]
    if as_json:
        payload: Any = dicts if many else {**dicts[0], **(note or {})}
        click.echo(json.dumps(payload, sort_keys=True))
        return
    if many:
        for d in dicts:
            first, *rest = d.items()
            click.echo(f"{first[1]}  " + "  ".join(f"{k}={_value(v)}" for k, v in rest))
        return
    for k, v in {**dicts[0], **(note or {})}.items():
        click.echo(f"{k}: {_value(v)}")


def add_read_commands(group: click.Group, noun: str, key: str,
                      list_fn: Callable[[Engine], Sequence[Spec]],
                      get_fn: Callable[[Engine, str], Spec],
                      remove_fn: Callable[[Engine, str], None],
                      extra: Extra | None = None, personal: str | None = None) -> None:
    """Attach ``list``, ``show KEY`` and ``remove KEY`` for one noun; reads of a noun that
    holds *personal* data (names, e-mail, phone numbers) go into the operation log."""
    logged: Callable[[Any], Any] = oplogged_read(personal) if personal else (lambda fn: fn)

    @group.command("list")
    @json_option
    @click.pass_context
    @logged
    def list_cmd(ctx: click.Context, as_json: bool) -> None:
        app = get_app(ctx)
        records = list_fn(app.engine)
        read_rows(len(records))
        emit(records, as_json, app.engine, extra)

    list_cmd.help = f"List every {noun}."

    @group.command("show")
    @click.argument(key)
    @json_option
    @click.pass_context
    @logged
    def show_cmd(ctx: click.Context, as_json: bool, **kw: str) -> None:
        app = get_app(ctx)
        record = get_fn(app.engine, kw[key])
        read_rows(1)
        emit(record, as_json, app.engine, extra)

    show_cmd.help = f"Show one {noun}."

    @group.command("remove")
    @click.argument(key)
    @click.pass_context
    @oplogged
    def remove_cmd(ctx: click.Context, **kw: str) -> None:
        app = get_app(ctx)
        remove_fn(app.engine, kw[key])
        click.echo(f"{noun} {kw[key]} removed (run 'voco apply' to make it live)")

    remove_cmd.help = f"Remove a {noun}; refused while routes or queues still use it."


def changes(**options: Any) -> dict[str, Any]:
    """The options a ``set`` command was given (None means "leave as is")."""
    return {k: v for k, v in options.items() if v is not None}
