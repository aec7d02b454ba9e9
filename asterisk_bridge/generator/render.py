"""Render Asterisk configuration files from the packaged Jinja templates.

Templates see only validated values. As a second line of defence every interpolated value passes
through :func:`conf_value`, which refuses every character of ``validate.FORBIDDEN`` (newline,
``;`` ``[`` ``]`` that break out of a config line, ``,`` ``(`` ``)`` ``&`` ``|`` that split
application arguments or Dial targets, ``$`` ``{`` ``}`` that start expressions, quotes,
backslash, ``<`` ``>``) and every control character, unless the value's type is a
``validate.Structured`` subclass whose ``ALLOWS`` names that character (``DialPattern`` may carry
``[`` ``]``, ``SoundList`` may carry ``&``). Such a type is only created by the validator that
checked its structure, so a value that slipped past validation as a plain string fails the render
instead of reaching Asterisk. What the backstop does not know is which template position a value
lands in: a type that allows ``&`` is allowed it everywhere, so each Structured type stays narrow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2

from asterisk_bridge.errors import ValidationError
from asterisk_bridge.provisioning.validate import FORBIDDEN, Structured
from asterisk_bridge.resources import templates_dir


def conf_value(value: Any) -> str:
    """Finalize hook: stringify, and refuse every metacharacter the value's type does not allow."""
    text = "" if value is None else str(value)
    allowed = value.ALLOWS if isinstance(value, Structured) else frozenset()
    bad = sorted({c for c in text if (c in FORBIDDEN and c not in allowed) or not c.isprintable()})
    if bad:
        raise ValidationError(  # the value itself is not shown: it may be a secret
            f"refusing to render a value containing {', '.join(repr(c) for c in bad)}, which "
            "could inject Asterisk configuration or dialplan")
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
    try:
        return _ENV.get_template(template).render(**context)
    except ValidationError as exc:
        raise ValidationError(f"{template}: {exc}") from None


def render_set(templates: Mapping[str, str], context: Mapping[str, Any]) -> dict[str, str]:
    """Render ``{output file name: template name}`` into ``{output file name: text}``."""
    return {name: render(tpl, context) for name, tpl in templates.items()}
