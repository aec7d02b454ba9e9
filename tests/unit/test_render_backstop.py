"""The renderer's backstop refuses every metacharacter a value's type does not allow.

Validation is the first line; this is the second: a value that reaches a template as a plain
string (a validator forgotten, a row edited by hand) cannot carry ',' '&' '(' '$' ... into an
application argument, nor ';' '[' or a newline into the file. Typed values carry only what their
structure needs: a DialPattern its [digit-ranges], a SoundList its '&'.
"""

from __future__ import annotations

import pytest

from asterisk_bridge.errors import ValidationError
from asterisk_bridge.generator.render import conf_value, render
from asterisk_bridge.provisioning import validate
from asterisk_bridge.provisioning.validate import FORBIDDEN

CONTROL = ["\x00", "\x07", "\x1b", "\x7f", "\u2028"]


@pytest.mark.parametrize("char", sorted(FORBIDDEN) + CONTROL)
def test_a_plain_string_carries_no_metacharacter(char: str) -> None:
    with pytest.raises(ValidationError, match="could inject"):
        conf_value(f"secretish{char}value")


@pytest.mark.parametrize("char", sorted(FORBIDDEN - {"[", "]"}) + CONTROL)
def test_a_dial_pattern_carries_only_its_brackets(char: str) -> None:
    assert conf_value(validate.dial_pattern("_9[2-9]X.")) == "_9[2-9]X."
    with pytest.raises(ValidationError, match="could inject"):
        conf_value(validate.DialPattern(f"_9X{char}."))


@pytest.mark.parametrize("char", sorted(FORBIDDEN - {"&"}) + CONTROL)
def test_a_sound_list_carries_only_its_ampersands(char: str) -> None:
    sounds = validate.sound_list("conf-now-recording&digits/1&voco:consent-en")
    assert conf_value(sounds) == "conf-now-recording&digits/1&voco:consent-en"
    with pytest.raises(ValidationError, match="could inject"):
        conf_value(validate.SoundList(f"digits/1{char}x"))
    with pytest.raises(ValidationError, match="prompt:"):
        validate.sound_list(f"digits/1{char}x")


def test_ordinary_values_pass() -> None:
    for value in ("Zoë O Brien", "sip.example.net", "/srv/voco/a/spool/monitor", "*7",
                  "127.0.0.1/255.255.255.255", "yes/1010/both", 5060, True, None,
                  "A1!#%*+./:=?@^_~-secret", validate.bind_address("::1")):
        conf_value(value)


def test_the_refusal_names_the_template_but_never_the_value() -> None:
    with pytest.raises(ValidationError) as caught:
        render("manager.conf.j2", {"ami": {"port": 5038, "bind": "127.0.0.1", "tls_bind": "",
                                           "users": [
            {"name": "voco", "secret": "hunter2hunter2,x", "permit": [], "read": "all",
             "write": "all"}]}})
    assert str(caught.value).startswith("manager.conf.j2: ")
    assert "hunter2" not in str(caught.value) and "','" in str(caught.value)
