"""Validation of every user-provided value before it reaches a template, a path or the store.

Asterisk configuration has no escaping: a newline starts a new line, ``;`` a comment, ``[`` a new
section, ``,`` / ``(`` / ``)`` split application arguments, ``$`` and ``{`` start expressions. So
values are checked against a whitelist for their kind and refused otherwise, with a message that
names the field and the rule. Each validator returns the (stripped) value it accepts.
"""

from __future__ import annotations

import ipaddress
import re
from typing import ClassVar

from asterisk_bridge.errors import ValidationError

#: Characters never allowed in any value that is rendered into Asterisk configuration.
FORBIDDEN = set("\n\r;,()[]${}\"\\`'|&<>\t")


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{field}: expected text, got {type(value).__name__}")
    return value.strip()


def _check(field: str, value: str, pattern: re.Pattern[str], rule: str,
           allow: frozenset[str] = frozenset(), secret: bool = False) -> str:
    """*value* if it matches; else ValidationError naming the field and the rule.

    A *secret* is never quoted, nor which of its characters are forbidden: the message reaches
    the terminal, shell logs and the operation log.
    """
    if not isinstance(value, str):
        raise ValidationError(f"{field}: expected text, got {type(value).__name__}")
    bad = sorted({c for c in value if (c in FORBIDDEN and c not in allow) or not c.isprintable()})
    if bad and secret:
        raise ValidationError(f"{field}: contains a forbidden character (value not shown); "
                              f"{rule}")
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        raise ValidationError(f"{field}: {value!r} contains forbidden character(s) {shown}; {rule}")
    if not pattern.fullmatch(value):
        raise ValidationError(f"{field}: {'is' if secret else f'{value!r} is'} not valid"
                              f"{' (value not shown)' if secret else ''}; {rule}")
    return value


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_NUMBER = re.compile(r"\+?[0-9]{1,32}")
_EXTEN = re.compile(r"[0-9]{2,10}")
_DISPLAY = re.compile(r"[^\x00-\x1f\x7f]{1,80}")
_PATTERN = re.compile(r"_?(?:[0-9XZN.!+*#-]|\[[0-9-]{1,20}\]){1,40}")
_PROMPT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_DTMF = re.compile(r"[0-9*#]{1,8}")
_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}")


def name(value: str, field: str = "name") -> str:
    """An identifier: letters, digits, '_', '.', '-'; starts with a letter or digit; ≤ 64."""
    return _check(field, value.strip(), _NAME,
                  "use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit")


def number(value: str, field: str = "number") -> str:
    """A phone number: optional '+', then 1-32 digits."""
    return _check(field, value.strip(), _NUMBER, "use digits only, optionally starting with '+'")


def extension(value: str, field: str = "extension") -> str:
    """An internal extension number: 2-10 digits."""
    return _check(field, value.strip(), _EXTEN, "use 2 to 10 digits")


def display_name(value: str, field: str = "name") -> str:
    """A human name shown as caller ID: printable, no config/dialplan metacharacters, ≤ 80."""
    return _check(field, value.strip(), _DISPLAY,
                  "use up to 80 printable characters without ; , ( ) [ ] $ { } \" \\ ` ' | & < >")


class Structured(str):
    """Validated text whose structure needs some of :data:`FORBIDDEN` (``ALLOWS``).

    Only the validator that checked that structure creates one, and the renderer's backstop
    (``generator/render.py``) lets a value carry a metacharacter only if its type allows it; a
    plain ``str`` may carry none.
    """

    ALLOWS: ClassVar[frozenset[str]] = frozenset()


class DialPattern(Structured):
    """A validated extension pattern: its ``[digit-ranges]`` need '[' and ']'."""

    ALLOWS = frozenset("[]")


class BracketedAddress(Structured):
    """``[2001:db8::1]``: an IPv6 address where a port may follow (PJSIP's ``bind``)."""

    ALLOWS = frozenset("[]")


class SoundList(Structured):
    """Sound files for Playback/Read joined by '&' (``conf-now-recording&digits/1``)."""

    ALLOWS = frozenset("&")


class LogLevels(Structured):
    """Asterisk logger levels for one logger.conf channel: ``notice,verbose(5),dtmf``."""

    ALLOWS = frozenset(",()")


#: The levels a logger.conf channel may name (Asterisk 22 logger.c); verbose takes a level.
LOGGER_LEVELS = ("notice", "warning", "error", "security", "verbose", "debug", "dtmf", "fax")
_LOG_LEVEL = re.compile(r"^(?P<name>[a-z]+)(?:\((?P<n>[0-9])\))?$")


def log_levels(value: str, field: str = "channels") -> LogLevels:
    """Comma-separated logger levels, each known (``verbose(N)`` with N 0-9)."""
    parts = [p.strip() for p in _text(value, field).split(",") if p.strip()]
    if not parts:
        raise ValidationError(f"{field}: name at least one logger level")
    for part in parts:
        m = _LOG_LEVEL.match(part)
        if not m or m["name"] not in LOGGER_LEVELS or (m["n"] and m["name"] != "verbose"):
            raise ValidationError(
                f"{field}: {part!r} is not a logger level; use {', '.join(LOGGER_LEVELS)} "
                "(verbose may carry a level, e.g. verbose(5))")
    return LogLevels(",".join(parts))


_DURATION = re.compile(r"^(?P<n>[0-9]{1,6})(?P<unit>s|m|h)$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600}


def duration(value: str, field: str, most_s: int, least_s: int = 1) -> int:
    """``90s``, ``10m`` or ``2h`` as seconds, within [*least_s*, *most_s*]."""
    m = _DURATION.match(_text(value, field).lower())
    if not m:
        raise ValidationError(f"{field}: {value!r} is not a duration such as 90s, 10m or 2h")
    seconds = int(m["n"]) * _UNIT_S[m["unit"]]
    if not least_s <= seconds <= most_s:
        raise ValidationError(f"{field}: {value!r} must be between {least_s} s and "
                              f"{most_s // 3600} h")
    return seconds


def dial_pattern(value: str, field: str = "pattern") -> DialPattern:
    """An Asterisk extension pattern (``_NXXXXXX``, ``_00.``, ``_9[2-9]X.``) or a literal number.

    ``.`` and ``!`` match any characters, including ``,`` and ``&``: the generated dialplan
    refuses a dialled string with anything but 0-9 * # + before it reaches an application
    (docs/dialplan-safety.md).
    """
    return DialPattern(_check(field, value.strip(), _PATTERN,
                  "use digits and X Z N . ! + * # -, with an optional leading '_' and "
                  "[digit-ranges]", allow=frozenset("[]")))


_SOUND = re.compile(r"(?:voco:)?[A-Za-z0-9_-]{1,64}(?:/[A-Za-z0-9_-]{1,64}){0,3}")


def sound_list(value: str, field: str = "prompt") -> SoundList:
    """One or more sound names joined by '&' (stock ``digits/1`` or uploaded ``voco:<name>``)."""
    v = _text(value, field)
    for part in v.split("&"):
        _check(field, part, _SOUND, "use sound names (letters, digits, '_', '-', '/') joined "
               "by '&'")
    return SoundList(v)


def prompt_name(value: str, field: str = "prompt") -> str:
    """A sound file name (no directories, no extension): letters, digits, '_' and '-'."""
    return _check(field, value.strip(), _PROMPT,
                  "use 1-64 letters, digits, '_' or '-' (no path, no file extension)")


def dtmf_code(value: str, field: str = "code") -> str:
    """A DTMF feature code: 1-8 of 0-9 * #."""
    return _check(field, value.strip(), _DTMF, "use 1-8 of the keys 0-9, * and #")


_RENDERED_IP = re.compile(r"[0-9a-f.:]{2,39}")
_HOST_IP = re.compile(r":|^[0-9.]+$")  # what ip_address() must judge: IPv6, or dotted digits
_RENDERED_NET = re.compile(r"[0-9a-f.:]{2,39}/[0-9]{1,3}")


def _no_scope(v: str, field: str) -> None:
    """Python's ipaddress takes *any* text after an IPv6 '%' as a scope id ('::%1,0.0.0.0/0'
    parses), so a scope id is refused outright: Voco never needs one."""
    if "%" in v:
        raise ValidationError(f"{field}: {v!r} has an IPv6 scope id ('%...'); give the address "
                              "without one")


def _rendered(text: str, pattern: re.Pattern[str], field: str) -> str:
    """What the parser normalised must still be nothing but an address: validate what is
    rendered, not what the parser tolerated."""
    if not pattern.fullmatch(text):
        raise ValidationError(f"{field}: {text!r} is not a plain IP address or network")
    return text


def ip_address(value: str, field: str = "address") -> str:
    """An IPv4 or IPv6 address without scope id, in its normalised (compressed) form."""
    v = _text(value, field)
    _no_scope(v, field)
    try:
        addr = ipaddress.ip_address(v)
    except ValueError:
        raise ValidationError(f"{field}: {v!r} is not an IP address; use e.g. 192.0.2.10 or "
                              "2001:db8::10") from None
    return _rendered(str(addr), _RENDERED_IP, field)


def bind_address(value: str, field: str = "bind") -> str:
    """An IP address that ``:port`` follows in a config value: IPv6 goes in brackets."""
    addr = ip_address(value, field)
    return BracketedAddress(f"[{addr}]") if ":" in addr else addr


def host(value: str, field: str = "host") -> str:
    """A hostname or an IP address (IPv4 or IPv6, no scope id; returned normalised)."""
    v = _text(value, field)
    if "%" not in v and not _HOST_IP.search(v):
        return _check(field, v, _HOST, "use a hostname or an IP address")
    return ip_address(v, field)


def is_loopback(host: str) -> bool:
    """Whether *host* (an address or a name) is this machine: a loopback address or
    ``localhost``; where plain HTTP, SMTP or AMI may go without TLS."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def network(value: str, field: str = "network") -> str:
    """An IP network in CIDR form (``10.1.2.0/24``) or a single address; returned as the
    normalised CIDR, which is what is rendered (never the input text)."""
    v = _text(value, field)
    _no_scope(v, field)
    try:
        net = ipaddress.ip_network(v, strict=False)
    except ValueError:
        raise ValidationError(
            f"{field}: {v!r} is not an IP address or network; use e.g. 192.0.2.10 or "
            "192.0.2.0/24"
        ) from None
    return _rendered(str(net), _RENDERED_NET, field)


def email(value: str, field: str = "email") -> str:
    """An e-mail address (plain addr-spec; no display name)."""
    return _check(field, value.strip(), _EMAIL, "use a plain address like alice@example.com")


MAX_REASON = 500


def reason(value: str, why: str, field: str = "reason") -> str:
    """A reason a person wrote (kept in a tombstone, a hold, the operation log): one line of 1
    to 500 characters; *why* completes "say why ..." in the message."""
    text = value.strip()
    if not text:
        raise ValidationError(f"{field}: must not be empty (say why {why})")
    if len(text) > MAX_REASON:
        raise ValidationError(f"{field}: at most {MAX_REASON} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValidationError(f"{field}: must be one line without control characters")
    return text


def port(value: int | str, field: str = "port") -> int:
    """A TCP/UDP port, 1-65535."""
    try:
        p = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{field}: {value!r} is not a port number") from None
    if not 1 <= p <= 65535:
        raise ValidationError(f"{field}: {p} is out of range; use 1-65535")
    return p


_NOTE = re.compile(r"[^\x00-\x1f\x7f]{0,500}")


def note(value: str, field: str = "notes") -> str:
    """Free text kept in the store, never in dialplan: ≤ 500 printable characters on one line.

    Commas, apostrophes, parentheses and '&' are ordinary in prose and harmless outside dialplan
    application arguments, so they are allowed; every other config metacharacter is refused, so a
    later feature that renders the text (a phone directory) cannot be injected through it.
    """
    return _check(field, value.strip(), _NOTE,
                  "use up to 500 printable characters on one line, "
                  "without ; [ ] $ { } \" \\ ` | < >",
                  allow=frozenset(",'()&"))


_SECRET = re.compile(r"[A-Za-z0-9!#%*+./:=?@^_~-]{12,128}")
_PIN = re.compile(r"[0-9]{4,12}")


def sip_secret(value: str, field: str = "secret") -> str:
    """A SIP credential: 12-128 characters without spaces or config metacharacters."""
    return _check(field, value.strip(), _SECRET,
                  "use 12-128 letters, digits or ! # % * + . / : = ? @ ^ _ ~ -", secret=True)


def pin(value: str, field: str = "pin") -> str:
    """A numeric PIN typed on a keypad: 4-12 digits."""
    return _check(field, value.strip(), _PIN, "use 4 to 12 digits", secret=True)
