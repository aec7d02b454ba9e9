"""``voco recording-policy`` and ``voco prompt``: who is recorded, and what they hear first.

Changes are stored only; ``voco apply`` compiles them into the dialplan Asterisk enforces.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from asterisk_bridge.errors import NotFoundError
from asterisk_bridge.recording import choices
from cli.common import get_app, oplogged
from cli.output import Column, emit_list, emit_object, list_json_option, object_json_option

if TYPE_CHECKING:
    from asterisk_bridge.context import App


APPLY_HINT = "stored; run 'voco apply' to enforce it in Asterisk"
DEFAULT_LIB_DIR = Path("/var/lib/asterisk")


@click.group("recording-policy")
def policy_group() -> None:
    """Recording rules per extension, trunk and route (off by default), consent and codes."""


@policy_group.command("set")
@click.argument("scope", type=click.Choice(choices.SCOPES))
@click.argument("key")
@click.argument("mode", type=click.Choice(choices.MODES))
@click.option("--priority", default=choices.DEFAULT_PRIORITY, show_default=True,
              help="0-99; the higher party's yes/no wins when caller and callee disagree.")
@click.option("--consent", type=click.Choice((*choices.CONSENTS, "inherit")), default="inherit",
              show_default=True, help="Who must consent when this rule decides to record.")
@click.pass_context
@oplogged
def set_cmd(ctx: click.Context, scope: str, key: str, mode: str, priority: int,
            consent: str) -> None:
    """Set the recording MODE of extension/trunk/route KEY."""
    from asterisk_bridge.recording import policy

    rule = policy.make_rule(scope, key, mode, priority, "" if consent == "inherit" else consent)
    policy.set_rule(get_app(ctx).engine, rule)
    click.echo(f"{rule.ref}: {rule.mode} (priority {rule.priority}, consent "
               f"{rule.consent or 'inherit'}) {APPLY_HINT}")


@policy_group.command("clear")
@click.argument("scope", type=click.Choice(choices.SCOPES))
@click.argument("key")
@click.pass_context
@oplogged
def clear_cmd(ctx: click.Context, scope: str, key: str) -> None:
    """Remove the rule of KEY (it falls back to the default)."""
    from asterisk_bridge.recording import policy

    if not policy.clear_rule(get_app(ctx).engine, scope, key):
        raise NotFoundError(f"{scope}:{key} has no recording rule; see 'voco recording-policy "
                            "list'")
    click.echo(f"{scope}:{key}: rule removed; {APPLY_HINT}")


@policy_group.command("defaults")
@click.option("--mode", type=click.Choice(choices.DEFAULT_MODES), help="Global default mode.")
@click.option("--consent", type=click.Choice(choices.CONSENTS), help="Global consent rule.")
@click.option("--timeout", help="Seconds a party has to answer the consent question (1-30).")
@click.option("--digit", help="The key that gives consent (0-9).")
@click.option("--pause-code", help="DTMF code to pause a recording (e.g. *7).")
@click.option("--resume-code", help="DTMF code to resume it.")
@click.option("--stop-code", help="DTMF code to stop it.")
@object_json_option
@click.pass_context
@oplogged
def defaults_cmd(ctx: click.Context, as_json: bool, **options: str | None) -> None:
    """Change global settings; with no option, show them."""
    from asterisk_bridge.recording import policy

    names = {"mode": "default_mode", "consent": "consent", "timeout": "consent_timeout",
             "digit": "consent_digit", "pause_code": "code_pause",
             "resume_code": "code_resume", "stop_code": "code_stop"}
    changes = {names[k]: v for k, v in options.items() if v is not None}
    engine = get_app(ctx).engine
    values = policy.update_settings(engine, changes) if changes else policy.settings(engine)
    shown = {name: values[name] for name in policy.DEFAULTS}
    emit_object(shown, as_json, lambda d: "\n".join(f"{k:<16} {v}" for k, v in d.items())
                + (f"\n{APPLY_HINT}" if changes else ""))


RULE_COLUMNS = (
    Column("RULE", lambda r: r["rule"]),
    Column("MODE", lambda r: r["mode"]),
    Column("PRIORITY", lambda r: r["priority"], right=True),
    Column("CONSENT", lambda r: r["consent"] or "inherit"),
)


@policy_group.command("list")
@list_json_option
@click.pass_context
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """Every rule; the text view then shows the defaults and the prompts in use (as JSON:
    'defaults --json', 'prompt list --json')."""
    from asterisk_bridge.recording import policy, prompts

    app = get_app(ctx)
    rules = [{"rule": r.ref, **asdict(r)} for r in policy.rules(app.engine)]
    emit_list(rules, as_json, RULE_COLUMNS, dict, "no rules: the default decides every call")
    if as_json:
        return
    cfg = policy.settings(app.engine)
    click.echo(f"default: {cfg['default_mode']}, consent {cfg['consent']}")
    for kind, roles in prompts.refs(app.engine).items():
        for role, ref in roles.items():
            click.echo(f"prompt {kind}/{role}: {ref}")


@policy_group.command("explain")
@click.argument("kind", type=click.Choice(choices.KINDS))
@click.argument("caller")
@click.argument("callee")
@click.option("--route", default="", help="The route the call takes, if any.")
@object_json_option
@click.pass_context
def explain_cmd(ctx: click.Context, kind: str, caller: str, callee: str, route: str,
                as_json: bool) -> None:
    """What the stored policy decides for a call (the dialplan decides the same)."""
    from asterisk_bridge.recording import policy

    engine = get_app(ctx).engine
    d = policy.decide(policy.rules(engine), policy.settings(engine), kind, caller, callee, route)
    emit_object(asdict(d), as_json, _explain)


def _explain(d: Mapping[str, Any]) -> str:
    asked = [leg for leg in ("caller", "callee") if d[f"ask_{leg}"]]
    return (f"{'record' if d['record'] else 'do not record'}: rule {d['rule']} ({d['mode']}); "
            f"consent {d['consent']}, asking {' and '.join(asked) or 'nobody'}")


@click.group("prompt")
def prompt_group() -> None:
    """Recording announcements and consent questions."""


def _lib_dir(app: App, explicit: str | None) -> Path:
    """Asterisk's lib directory: --lib-dir, else the sandbox layout's etc/../lib, else Debian's."""
    if explicit:
        return Path(explicit)
    etc = app.config.asterisk.ast_etc_dir
    if etc and (Path(etc).parent / "lib").is_dir():
        return Path(etc).parent / "lib"
    return DEFAULT_LIB_DIR


@prompt_group.command("upload")
@click.argument("name")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lib-dir", help="Asterisk's astvarlibdir to install into.")
@click.pass_context
@oplogged
def upload_cmd(ctx: click.Context, name: str, file: Path, lib_dir: str | None) -> None:
    """Convert FILE (any WAV) for Asterisk and store it as prompt NAME."""
    from asterisk_bridge.recording import prompts

    app = get_app(ctx)
    p = prompts.upload(app.engine, name, file)
    target = _lib_dir(app, lib_dir)
    prompts.install(app.engine, target)
    click.echo(f"prompt {p.name}: {p.duration_ms / 1000:.1f} s, installed in "
               f"{target / prompts.PROMPT_DIR}")


@prompt_group.command("install")
@click.option("--lib-dir", help="Asterisk's astvarlibdir to install into.")
@click.pass_context
@oplogged
def install_cmd(ctx: click.Context, lib_dir: str | None) -> None:
    """Write every stored prompt where this node's Asterisk plays it from."""
    from asterisk_bridge.recording import prompts

    app = get_app(ctx)
    target = _lib_dir(app, lib_dir)
    written = prompts.install(app.engine, target)
    click.echo(f"{len(written)} prompt(s) in {target / prompts.PROMPT_DIR}")


PROMPT_COLUMNS = (
    Column("NAME", lambda p: p["name"]),
    Column("SECONDS", lambda p: f"{p['duration_ms'] / 1000:.1f}", right=True),
    Column("SHA-256", lambda p: p["sha256"][:12]),
    Column("USED BY", lambda p: ", ".join(p["used_by"]) or "unused"),
)


@prompt_group.command("list")
@list_json_option
@click.pass_context
def prompt_list_cmd(ctx: click.Context, as_json: bool) -> None:
    """Uploaded prompts and the slots that use them."""
    from asterisk_bridge.recording import prompts

    app = get_app(ctx)
    used: dict[str, list[str]] = {}
    for slot, name in prompts.assignments(app.engine).items():
        used.setdefault(name, []).append(slot.removeprefix("prompt."))
    rows = [{**asdict(p), "used_by": sorted(used.get(p.name, []))}
            for p in prompts.prompts(app.engine)]
    emit_list(rows, as_json, PROMPT_COLUMNS, dict, "no uploaded prompts (the built-in ones play)")


@prompt_group.command("assign")
@click.argument("kind", type=click.Choice(choices.KINDS))
@click.argument("role", type=click.Choice(choices.ROLES))
@click.argument("name", required=False)
@click.option("--builtin", is_flag=True, help="Go back to the built-in prompt.")
@click.pass_context
@oplogged
def assign_cmd(ctx: click.Context, kind: str, role: str, name: str | None,
               builtin: bool) -> None:
    """Play prompt NAME as the ROLE prompt of KIND calls."""
    from asterisk_bridge.recording import prompts

    if builtin == (name is not None):
        raise click.UsageError("give either a prompt NAME or --builtin")
    prompts.assign(get_app(ctx).engine, kind, role, None if builtin else name)
    click.echo(f"{kind}/{role}: {'built-in' if builtin else name}; {APPLY_HINT}")


@prompt_group.command("remove")
@click.argument("name")
@click.pass_context
@oplogged
def remove_cmd(ctx: click.Context, name: str) -> None:
    """Delete an uploaded prompt that no slot uses."""
    from asterisk_bridge.recording import prompts

    prompts.remove(get_app(ctx).engine, name)
    click.echo(f"prompt {name} removed")
