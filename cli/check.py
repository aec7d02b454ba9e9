"""``voco check``: are the files holding personal data or secrets private?"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from cli.common import get_app
from cli.output import emit_object, object_json_option


@click.command("check")
@object_json_option
@click.pass_context
def check_cmd(ctx: click.Context, as_json: bool) -> None:
    """Check that every file holding personal data or secrets is private.

    Voco's own files (data directory, store, keys, config) must be 0600 (directories 0700);
    Asterisk's voicemail, recording spool, CDR files and TLS key at most 0640 (0750). Each
    looser one is listed with the chmod that fixes it; exit 1 if any.
    """
    from asterisk_bridge.services import private_files

    report = private_files.check(get_app(ctx).config)
    emit_object({
        "private": not report.loose,
        "checked": report.checked,
        "loose": [{"path": str(x.path), "mode": f"{x.mode:04o}", "what": x.holder.what,
                   "fix": x.fix, "description": x.describe()} for x in report.loose],
        "unchecked": [str(p) for p in report.unchecked],
    }, as_json, _describe)
    if report.loose:
        ctx.exit(1)


def _describe(shown: Mapping[str, Any]) -> str:
    lines = [f"loose: {x['description']}" for x in shown["loose"]]
    lines += [f"not checked: {p} (permission denied; run as its owner or root)"
              for p in shown["unchecked"]]
    if not shown["loose"]:
        lines.append(f"private: {shown['checked']} files and directories holding personal data "
                     "or secrets")
    return "\n".join(lines)
