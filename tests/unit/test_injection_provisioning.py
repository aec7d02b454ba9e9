"""Injection: every provisioning field refuses every character that could break out of an
Asterisk config value or dialplan argument; the error names the field; nothing is rendered.

Each case puts the character inside a marker (so stripping cannot make it valid), runs the CLI,
then renders every PBX file and checks the marker never reached one.
"""

from __future__ import annotations

import pytest

from asterisk_bridge.context import App
from asterisk_bridge.generator.apply import render
from tests.conftest import CliCall

FORBIDDEN = ["\n", "\r", ";", ",", "(", ")", "[", "]", "$", "{", "}", '"', "\\", "\x00", "\x07",
             "\x1b", "\x7f"]

# (case id, argv with {v} for the bad value, field the error must name, value with {c})
CASES = [
    ("extension-number", ["extension", "add", "{v}", "--name", "X"], "number", "98765{c}1"),
    ("extension-name", ["extension", "add", "1101", "--name", "{v}"], "name", "Injmark{c}x"),
    ("extension-email", ["extension", "add", "1101", "--email", "{v}"], "email",
     "injmark{c}x@example.com"),
    ("extension-mobile", ["extension", "add", "1101", "--mobile", "{v}"], "mobile",
     "98765{c}1"),
    ("extension-set-name", ["extension", "set", "1001", "--name", "{v}"], "name",
     "Injmark{c}x"),
    ("trunk-name", ["trunk", "add", "{v}", "--host", "192.0.2.1"], "name", "injmark{c}x"),
    ("trunk-host", ["trunk", "add", "t9", "--host", "{v}"], "host",
     "injmark{c}x.example.com"),
    ("trunk-username", ["trunk", "add", "t9", "--host", "192.0.2.1", "--username", "{v}"],
     "username", "injmark{c}x"),
    ("trunk-identify", ["trunk", "add", "t9", "--host", "192.0.2.1", "--identify", "{v}"],
     "identify", "10.98{c}.76.5"),
    ("inbound-did", ["route", "inbound", "add", "{v}", "--to", "extension:1001"], "did",
     "98765{c}1"),
    ("inbound-target", ["route", "inbound", "add", "5551000", "--to", "queue:{v}"], "target",
     "injmark{c}x"),
    ("outbound-name", ["route", "outbound", "add", "{v}", "--pattern", "_9X.", "--trunk", "t1"],
     "name", "injmark{c}x"),
    ("outbound-pattern", ["route", "outbound", "add", "ob1", "--pattern", "{v}", "--trunk",
                          "t1"], "pattern", "_98765{c}X."),
    ("outbound-trunk", ["route", "outbound", "add", "ob1", "--pattern", "_9X.", "--trunk",
                        "{v}"], "trunks", "injmark{c}x"),
    ("outbound-prepend", ["route", "outbound", "add", "ob1", "--pattern", "_9X.", "--trunk",
                          "t1", "--prepend", "{v}"], "prepend", "98765{c}1"),
    ("speeddial-code", ["speeddial", "add", "{v}", "--number", "1001"], "code", "98765{c}1"),
    ("speeddial-number", ["speeddial", "add", "*79", "--number", "{v}"], "number", "98765{c}1"),
    ("speeddial-name", ["speeddial", "add", "*79", "--number", "1001", "--name", "{v}"], "name",
     "Injmark{c}x"),
    ("conference-name", ["conference", "add", "{v}", "--number", "7101"], "name",
     "injmark{c}x"),
    ("conference-number", ["conference", "add", "c9", "--number", "{v}"], "number",
     "98765{c}1"),
    ("conference-pin", ["conference", "add", "c9", "--number", "7101", "--pin", "{v}"], "pin",
     "98765{c}1"),
    ("queue-name", ["queue", "add", "{v}", "--number", "6101"], "name", "injmark{c}x"),
    ("queue-number", ["queue", "add", "q9", "--number", "{v}"], "number", "98765{c}1"),
    ("queue-member", ["queue", "add", "q9", "--number", "6101", "--member", "{v}"], "members",
     "98765{c}1"),
]


@pytest.fixture
def provisioned(app: App, run_cli: CliCall) -> CliCall:
    """Valid neighbours, so every template section the bad value could reach is rendered."""
    for argv in (["extension", "add", "1001", "--name", "Alice", "--voicemail"],
                 ["trunk", "add", "t1", "--host", "192.0.2.1", "--identify", "192.0.2.0/24"],
                 ["queue", "add", "q1", "--number", "6001", "--member", "1001"],
                 ["conference", "add", "c1", "--number", "7001", "--pin", "1234"],
                 ["route", "outbound", "add", "o1", "--pattern", "_9X.", "--trunk", "t1"],
                 ["route", "inbound", "add", "5550100", "--to", "queue:q1"],
                 ["speeddial", "add", "*71", "--number", "7001"]):
        result = run_cli(*argv)
        assert result.exit_code == 0, result.output
    return run_cli


def _marker(value: str) -> str:
    return value.split("{c}")[0].lstrip("_") or value


@pytest.mark.parametrize(("argv", "field", "value"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_field_refuses_every_forbidden_character(provisioned: CliCall, app: App,
                                                 argv: list[str], field: str,
                                                 value: str) -> None:
    for char in FORBIDDEN:
        bad = value.replace("{c}", char)
        result = provisioned(*[a.replace("{v}", bad) for a in argv])
        assert result.exit_code != 0, f"{char!r} accepted in {field}"
        assert f"{field}:" in result.output, f"{char!r}: error does not name {field}: " \
            f"{result.output}"
        assert result.exception is None or isinstance(result.exception, SystemExit)
    rendered = render(app)
    marker = _marker(value)
    leaked = [name for name, text in rendered.items() if marker in text]
    assert not leaked, f"{marker} reached {leaked}"


def test_trunk_secret_from_stdin_refuses_forbidden_characters(provisioned: CliCall,
                                                              app: App) -> None:
    """The provider password is read as one line, so a newline ends it; the rest are refused."""
    for char in [c for c in FORBIDDEN if c not in "\n\r"]:
        result = provisioned("trunk", "add", "t9", "--host", "192.0.2.1", "--username", "acct",
                             "--register", "--secret-stdin", input=f"injmarkabcdef{char}xyz\n")
        assert result.exit_code != 0 and "secret:" in result.output, (char, result.output)
    assert not [n for n, t in render(app).items() if "injmark" in t]
