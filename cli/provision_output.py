"""What every provisioning noun shares: ``--json`` output and the list/show/remove commands.

The commands name their domain module instead of holding its functions, so defining them (for
``--help``) imports no store."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from cli.common import get_app, oplogged, oplogged_read, read_rows
from cli.output import Column, emit_list, emit_object, list_json_option
from cli.output import object_json_option as json_option

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from asterisk_bridge.provisioning.records import Spec


Extra = Callable[["Engine", "Spec"], dict[str, Any]]


def _as_dict(record: Spec, engine: Engine, extra: Extra | None) -> dict[str, Any]:
    return {**record.to_dict(), **(extra(engine, record) if extra else {})}


def _column(key: str) -> Column:
    return Column(key.upper().replace("_", " "), lambda d: d[key])


def emit(record: Spec, as_json: bool, engine: Engine, extra: Extra | None = None,
         note: dict[str, Any] | None = None) -> None:
    """One record as ``field: value`` lines or a JSON object, with *note* (a secret shown
    once) added."""
    emit_object({**_as_dict(record, engine, extra), **(note or {})}, as_json)


def emit_records(records: Sequence[Spec], as_json: bool, engine: Engine, extra: Extra | None,
                 noun: str) -> None:
    """Records as a table (a column per field) or a JSON array."""
    dicts = [_as_dict(r, engine, extra) for r in records]
    columns = [_column(k) for k in dicts[0]] if dicts else []
    emit_list(dicts, as_json, columns, dict, f"no {noun}s")


def add_read_commands(group: click.Group, noun: str, key: str, domain: str,
                      names: tuple[str, str, str] = ("list_all", "get", "remove"),
                      extra: Extra | None = None, personal: str | None = None,
                      keyed: bool = False) -> None:
    """Attach ``list``, ``show KEY`` and ``remove KEY`` for one noun, calling the list, get
    and remove functions *names* of module *domain*; reads of a noun that holds *personal* data
    (names, e-mail, phone numbers) go into the operation log. A *keyed* noun's list and get
    take the master key after the engine (they open personal fields sealed per person)."""
    logged: Callable[[Any], Any] = oplogged_read(personal) if personal else (lambda fn: fn)

    def fn(which: int) -> Callable[..., Any]:
        return getattr(importlib.import_module(domain), names[which])

    @group.command("list")
    @list_json_option
    @click.pass_context
    @logged
    def list_cmd(ctx: click.Context, as_json: bool) -> None:
        app = get_app(ctx)
        records: Sequence[Spec] = fn(0)(app.engine, *([app.master_key] if keyed else []))
        read_rows(len(records))
        emit_records(records, as_json, app.engine, extra, noun)

    list_cmd.help = f"List every {noun}."

    @group.command("show")
    @click.argument(key)
    @json_option
    @click.pass_context
    @logged
    def show_cmd(ctx: click.Context, as_json: bool, **kw: str) -> None:
        app = get_app(ctx)
        record: Spec = fn(1)(app.engine, *([app.master_key] if keyed else []), kw[key])
        read_rows(1)
        emit(record, as_json, app.engine, extra)

    show_cmd.help = f"Show one {noun}."

    @group.command("remove")
    @click.argument(key)
    @click.pass_context
    @oplogged
    def remove_cmd(ctx: click.Context, **kw: str) -> None:
        app = get_app(ctx)
        fn(2)(app.engine, kw[key])
        click.echo(f"{noun} {kw[key]} removed (run 'voco apply' to make it live)")

    remove_cmd.help = f"Remove a {noun}; refused while routes or queues still use it."


def changes(**options: Any) -> dict[str, Any]:
    """The options a ``set`` command was given (None means "leave as is")."""
    return {k: v for k, v in options.items() if v is not None}
