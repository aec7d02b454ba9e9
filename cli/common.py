"""Shared CLI plumbing: the app object, one-line errors, and operation-log entries.

Every command declares what it leaves in the operation log: ``@oplogged`` for a change,
``@oplogged_read(data)`` for a read of personal data (with the filter and the row count), or an
entry in :data:`NOT_LOGGED` saying why neither applies. A test walks every command, so a new one
cannot forget.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from asterisk_bridge.bridge.redact import scrub
from asterisk_bridge.config import config_path
from asterisk_bridge.context import App
from asterisk_bridge.errors import VocoError

F = TypeVar("F", bound=Callable[..., Any])
#: Digits from which a CLI error's number is scrubbed: extension numbers (what an admin typed)
#: stay readable, external numbers do not.
CLI_NUMBER_DIGITS = 6


class UserError(click.ClickException):
    """A VocoError shown as one line, with the error's own exit code. External phone numbers
    (six digits or more) are scrubbed: a terminal's scrollback and shell logs are logs too."""

    def __init__(self, err: VocoError) -> None:
        super().__init__(scrub(str(err), min_digits=CLI_NUMBER_DIGITS))
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


OPLOG_MARK = "voco_oplog"  # set on a command's callback: "change" or "read"
_ROWS = "voco.read_rows"

#: Commands without an oplog decorator, and why.
NOT_LOGGED: dict[str, str] = {
    **dict.fromkeys(("init", "db downgrade", "apply", "oplog restart"),
                    "writes its own entry (genesis, discarded log, diff hash)"),
    **dict.fromkeys(("oplog list", "oplog verify"),
                    "reads the log itself: auditing it must not change it"),
    **dict.fromkeys(("db current", "check", "bridge status", "sandbox status", "tls show"),
                    "state of the installation, no personal data"),
    **dict.fromkeys(("bridge run", "api serve", "sandbox build", "sandbox start", "sandbox stop"),
                    "runs a service or the test sandbox; its own logs say what it does"),
    **dict.fromkeys(("recording-policy list", "recording-policy explain", "prompt list",
                     "retention show", "contact grants", "recording check", "grants list",
                     "grants show", "smtp show", "notify events", "notify status",
                     "intrusion show", "transcription show"),
                    "configuration and consistency, no personal data"),
    **dict.fromkeys(("contact personal count",), "a count, all an admin may learn"),
    **{f"{noun} {verb}": "provisioning configuration, no personal data"
       for noun in ("trunk", "conference", "queue", "speeddial", "route inbound",
                    "route outbound") for verb in ("list", "show")},
}


def _logged(fn: F, mark: str, extra: Callable[[click.Context, bool], dict[str, Any]]) -> F:
    """Wrap a command so its outcome is logged with its arguments plus ``extra(ctx, ok)``;
    an expected error is logged as failed, then propagates."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        app = get_app(ctx)
        path = ctx.command_path
        name = path.split(" ", 1)[1] if " " in path else path
        try:
            result = fn(*args, **kwargs)
        except VocoError as err:
            app.record(name, {**ctx.params, **extra(ctx, False)}, "error", str(err))
            raise
        app.record(name, {**ctx.params, **extra(ctx, True)}, "ok")
        return result

    setattr(wrapper, OPLOG_MARK, mark)
    return cast(F, wrapper)


def oplogged(fn: F) -> F:
    """Record the command, its (redacted) arguments and its outcome in the operation log."""
    return _logged(fn, "change", lambda _ctx, _ok: {})


def oplogged_read(data: str) -> Callable[[F], F]:
    """Record a read of personal data (*data*: what kind) with its filter (the command's
    redacted arguments) and how many rows it handed out (the command calls :func:`read_rows`).

    Logged after the output is written, so the count is true; a failed read is logged as failed.
    """

    def details(ctx: click.Context, ok: bool) -> dict[str, Any]:
        if not ok:
            return {"data": data}
        if _ROWS not in ctx.meta:
            raise RuntimeError(f"'{ctx.command_path}' is logged as a read but never called "
                               "read_rows()")
        return {"data": data, "rows": ctx.meta[_ROWS]}

    return lambda fn: _logged(fn, "read", details)


def read_rows(count: int) -> int:
    """Tell ``@oplogged_read`` how many rows (records, contacts, recordings) were handed out."""
    click.get_current_context().meta[_ROWS] = count
    return count
