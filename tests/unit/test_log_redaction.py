"""Voco's own logs never carry a call party: the filter on every handler 'voco bridge run'
installs rewrites messages, structured fields and exception texts."""

from __future__ import annotations

import io
import json
import logging

import pytest

from asterisk_bridge.bridge import logs
from asterisk_bridge.bridge.redact import NUMBER, REDACTED, scrub


def _logged(emit: object) -> dict[str, object]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.redactor())
    log = logging.getLogger("voco.bridge.redaction-test")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    try:
        emit(log)  # type: ignore[operator]
    finally:
        log.removeHandler(handler)
    return dict(json.loads(out.getvalue()))


@pytest.mark.parametrize(("text", "expected"), [
    ("call from +44 20 7946 0000 to 1002", f"call from {NUMBER} to {NUMBER}"),
    ("channel PJSIP/1001-00000004 hung up", f"channel PJSIP/{NUMBER} hung up"),
    ("Local/0044207946077@voco-out;1", f"Local/{NUMBER}@voco-out;1"),
    ("uniqueid 1795911331.0 linkedid 1795911331.12", "uniqueid 1795911331.0 linkedid "
     "1795911331.12"),
    ("AMI at 127.0.0.1:5038 refused", "AMI at 127.0.0.1:5038 refused"),
    ("since 2026-11-30T14:56:27.459Z", "since 2026-11-30T14:56:27.459Z"),
    ("retry in 12 s", "retry in 12 s"),
])
def test_numbers_are_scrubbed_identifiers_kept(text: str, expected: str) -> None:
    assert scrub(text) == expected


def test_message_fields_and_exception_are_redacted() -> None:
    def emit(log: logging.Logger) -> None:
        try:
            raise ValueError("no route for 00442079460000")
        except ValueError:
            log.exception("call %s failed", "+442079460000", extra=logs.fields(
                CallerIDName="Zebedee Quux", caller="1001", linkedid="1795911331.0",
                note="dialled 07700900123", rows=12))

    doc = _logged(emit)
    assert doc["event"] == f"call {NUMBER} failed"
    assert doc["CallerIDName"] == REDACTED and doc["caller"] == REDACTED
    assert doc["linkedid"] == "1795911331.0" and doc["rows"] == 12
    assert doc["note"] == f"dialled {NUMBER}"
    assert "00442079460000" not in str(doc["exception"]) and NUMBER in str(doc["exception"])


def test_cli_errors_hide_external_numbers_not_extensions() -> None:
    assert scrub("no subject with phone +44 20 7946 0000; extension 1001", min_digits=6) == \
        f"no subject with phone {NUMBER}; extension 1001"
