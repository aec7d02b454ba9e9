"""Shared CLI plumbing: the app object, one-line errors, and operation-log entries."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from asterisk_bridge.config import config_path
from asterisk_bridge.context import App
from asterisk_bridge.errors import VocoError

F = TypeVar("F", bound=Callable[..., Any])


class UserError(click.ClickException):
    """A VocoError shown as one line, with the error's own exit code."""

    def __init__(self, err: VocoError) -> None:
        super().__init__(str(err))
        self.exit_code = err.exit_code  # type: ignore[misc]  # click declares a ClassVar


class VocoGroup(click.Group):
    """Turns expected errors into one-line messages; unexpected ones keep their traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VocoError as err:
            raise UserError(err) from None


def config_file(ctx: click.Context) -> Path:
    """The config path chosen by --config, $VOCO_CONFIG or the default."""
    return config_path(ctx.find_root().params.get("config"))


def get_app(ctx: click.Context) -> App:
    """Open (once per process) the app for the chosen config file."""
    root = ctx.find_root()
    if root.obj is None:
        root.obj = App.open(config_file(ctx))
    return cast(App, root.obj)


def oplogged(fn: F) -> F:
    """Record the command, its (redacted) arguments and its outcome in the operation log.

    A command that fails with an expected error is logged as failed, then the error propagates.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        app = get_app(ctx)
        name = ctx.command_path.split(" ", 1)[1] if " " in ctx.command_path else ctx.command_path
        try:
            result = fn(*args, **kwargs)
        except VocoError as err:
            app.record(name, ctx.params, "error", str(err))
            raise
        app.record(name, ctx.params, "ok")
        return result

    return cast(F, wrapper)
