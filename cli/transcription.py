"""``voco transcription``: off by default; Google Cloud Speech-to-Text or the offline engine."""

from __future__ import annotations

from pathlib import Path

import click

from cli.common import get_app, oplogged
from cli.output import emit_object, object_json_option


@click.group("transcription")
def transcription_group() -> None:
    """Voicemail transcription (off until an administrator chooses an engine)."""


@transcription_group.command("set")
@click.argument("engine", type=click.Choice(["google", "offline", "off"]))
@click.option("--credentials", "credentials_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Google service-account key (JSON); sealed by the master key, never shown.")
@click.option("--language", default="en-US", show_default=True, help="BCP-47 language code.")
@click.option("--model", default="", help="Google recognition model (e.g. phone_call).")
@click.option("--endpoint", default="", help="Google Speech API host:port (default: Google's).")
@click.pass_context
@oplogged
def set_cmd(ctx: click.Context, engine: str, credentials_file: Path | None, language: str,
            model: str, endpoint: str) -> None:
    """Choose how new voicemail is transcribed: 'google' sends each message to Google Cloud
    Speech-to-Text, 'offline' transcribes on this machine (pocketsphinx, English), 'off' stops
    (and forgets Google's credentials)."""
    from asterisk_bridge.errors import ValidationError
    from asterisk_bridge.voicemail.transcribe import settings

    text = None
    if credentials_file is not None:
        try:
            text = credentials_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(f"credentials: cannot read {credentials_file}: {exc}") from None
    app = get_app(ctx)
    settings.choose(app.engine, app.master_key, engine, language=language, model=model,
                    endpoint=endpoint, credentials_json=text)
    click.echo(f"transcription: {engine}" + (f" ({language})" if engine != "off" else ""))


@transcription_group.command("show")
@object_json_option
@click.pass_context
def show_cmd(ctx: click.Context, as_json: bool) -> None:
    """Show the transcription setting (never the credentials, only whether they are stored)."""
    from dataclasses import asdict

    from asterisk_bridge.voicemail.transcribe import settings

    current = asdict(settings.current(get_app(ctx).engine))
    emit_object(current, as_json, lambda c: "\n".join(f"{k}: {v}" for k, v in c.items()))
