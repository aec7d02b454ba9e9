"""Render Asterisk configuration files from the packaged Jinja templates.

Templates see only validated values; as a second line of defence every interpolated value passes
through :func:`conf_value`, which refuses anything that could end a line, start a comment or open
a new section in an Asterisk config file. A value that slips past validation therefore fails the
render instead of reaching Asterisk.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import jinja2

from asterisk_bridge.errors import ValidationError
from asterisk_bridge.resources import templates_dir
from asterisk_bridge.validate import DialPattern

_UNSAFE = re.compile(r"[\x00-\x1f\x7f;\[\]]")
_UNSAFE_PATTERN = re.compile(r"[\x00-\x1f\x7f;]")  # validated patterns carry [digit-ranges]


def conf_value(value: Any) -> str:
    """Finalize hook: stringify, and refuse characters that break out of a config value."""
    text = "" if value is None else str(value)
    unsafe = _UNSAFE_PATTERN if isinstance(value, DialPattern) else _UNSAFE
    if unsafe.search(text):
        raise ValidationError(
            f"refusing to render {text!r}: it contains a newline, control character, ';', '[' "
            "or ']', which could inject Asterisk configuration"
        )
    return text


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=conf_value,
    )


_ENV: jinja2.Environment | None = None


def render(template: str, context: Mapping[str, Any]) -> str:
    """Render one template (e.g. ``manager.conf.j2``) with ``context``."""
    global _ENV
    if _ENV is None:
        _ENV = _environment()
    return _ENV.get_template(template).render(**context)


def render_set(templates: Mapping[str, str], context: Mapping[str, Any]) -> dict[str, str]:
    """Render ``{output file name: template name}`` into ``{output file name: text}``."""
    return {name: render(tpl, context) for name, tpl in templates.items()}
