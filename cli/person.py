"""How a command names a person: a phone number, ``--extension N`` or ``--email ADDRESS``.

That identifier is personal data: it never reaches the operation log in clear. :func:`target`
takes it out of the command's logged arguments before anything can fail, and puts back the
subject id and the identifier sealed under the subject's own key
(:func:`asterisk_bridge.subjects.target.oplog_form`). Shared by ``voco subject``, ``voco hold``
and ``voco disclosure``.

Commands that store a person's data (an extension's owner, a company contact) take those
values out of their logged arguments the same way (:func:`withhold`) and log them sealed under
the person's key once the person is known (:func:`log_sealed`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cli.common import get_app

if TYPE_CHECKING:
    from asterisk_bridge.subjects.target import Target
    from asterisk_bridge.subjects.vault import SubjectVault


F = TypeVar("F", bound=Callable[..., Any])
IDENTIFIER_PARAMS = ("number", "extension", "email")


def _other_ways(fn: F) -> F:
    fn = click.option("--email", help="The person with this e-mail address.")(fn)
    return click.option("--extension", help="The owner of this extension.")(fn)


def number_argument(fn: F) -> F:
    """NUMBER as an argument, or --extension / --email: exactly one names the person."""
    return _other_ways(click.argument("number", required=False)(fn))


def subject_options(fn: F) -> F:
    """--subject NUMBER, --extension or --email: exactly one names the person."""
    return _other_ways(click.option("--subject", "number", metavar="NUMBER",
                                    help="The person with this phone number.")(fn))


def vault(ctx: click.Context) -> SubjectVault:
    """This process's access to subjects."""
    from asterisk_bridge.subjects.vault import SubjectVault

    return SubjectVault(get_app(ctx).master_key)


def take_identifier(ctx: click.Context) -> dict[str, str | None]:
    """Take the ways a person can be named out of the command's logged arguments."""
    return {name: ctx.params.pop(name, None) for name in IDENTIFIER_PARAMS}


def target(ctx: click.Context, *, create: bool = False) -> Target:
    """The person the command names, resolved; the command's logged arguments then hold
    :func:`~asterisk_bridge.subjects.target.oplog_form` instead of the identifier typed. The
    identifier is taken out of them first, so not even a failure logs it."""
    from asterisk_bridge.subjects import target as targets

    given = take_identifier(ctx)
    app = get_app(ctx)
    ident = targets.identifier(given["number"], given["extension"], given["email"],
                               app.config.privacy.default_region)
    v = vault(ctx)
    with app.engine.begin() as conn:
        found = (targets.find_or_create if create else targets.find)(conn, v, ident)
        ctx.params["subject"] = targets.oplog_form(conn, v, found)
    return found


WITHHELD = "(withheld: personal data)"


def withhold(ctx: click.Context, *names: str) -> dict[str, Any]:
    """Take the personal values *names* out of the command's logged arguments, before anything
    can fail (a failed command logs them as withheld); returns them for :func:`log_sealed`."""
    values = {n: ctx.params.pop(n) for n in names if ctx.params.get(n) not in (None, "", ())}
    if values:
        ctx.params["personal"] = WITHHELD
    return values


def log_sealed(ctx: click.Context, subject_id: str | None, values: dict[str, Any]) -> None:
    """Log *values* (from :func:`withhold`) sealed under *subject_id*'s key."""
    if not values or subject_id is None:
        return
    from asterisk_bridge.subjects import target as targets

    app = get_app(ctx)
    with app.engine.begin() as conn:
        ctx.params["personal"] = targets.sealed_arg(conn, vault(ctx), subject_id,
                                                    "args.personal", json.dumps(values))
