"""Notification rules and the notifier against a real SMTP relay (aiosmtpd in-process,
STARTTLS, AUTH, pinned CA): storms fold into one message, failures are visible facts, nothing
personal is in clear, and a subject's erasure reaches the rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from asterisk_bridge.context import App
from asterisk_bridge.notifications import bus, pressure, rules, security
from asterisk_bridge.notifications.capability import missed_call, trunk_down, voicemail_left
from asterisk_bridge.notifications.notifier import Notifier, Tuning
from asterisk_bridge.store.models import OplogEntry
from asterisk_bridge.store.models.notifications import NotificationRule, NotificationSent
from tests.conftest import CliCall
from tests.smtp_server import RelayThread
from tests.unit.cli_support import ok
from tests.unit.notify_support import FAST, OPS, run_notifier, smtp_door


def _storm(app: App, n: int, tuning: Tuning = FAST) -> Notifier:
    def burst() -> None:
        for _ in range(n):
            bus.publish("auth_failures", key="203.0.113.7", service="AMI",
                        address="203.0.113.7", account="admin")
        bus.publish("auth_failures", key="198.51.100.9", service="PJSIP",
                    address="198.51.100.9", account="1001")
    return run_notifier(app, burst, tuning=tuning)


def _sent(app: App) -> list[dict[str, object]]:
    with app.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(NotificationSent)
                                                        .order_by(NotificationSent.id))]


def test_a_storm_is_one_message_with_a_count(app: App, run_cli: CliCall,
                                             tmp_path: Path) -> None:
    ok(run_cli, "notify", "rule", "add", "auth_failures", "--email", OPS)
    with RelayThread(tmp_path / "relay") as relay:
        smtp_door(run_cli, relay)
        _storm(app, 200)
        messages = relay.relay.messages
    assert len(messages) == 2  # one per source address, not 201
    by_address = {("203.0.113.7" in m["Subject"]): m for m in messages}
    storm = by_address[True].get_content()
    assert "events: 200" in storm and "address: 203.0.113.7" in storm
    assert all(m["To"] == OPS for m in messages)
    facts = _sent(app)
    assert sorted(f["events"] for f in facts) == [1, 200]  # type: ignore[type-var]
    assert {f["outcome"] for f in facts} == {"sent"}
    assert all(f["recipient_subject"] and f["extension"] is None for f in facts)


def test_nothing_personal_in_clear_and_erasure_reaches_the_rule(app: App, run_cli: CliCall,
                                                                 tmp_path: Path) -> None:
    out = ok(run_cli, "notify", "rule", "add", "auth_failures", "--email", OPS,
             "--quiet", "22:00-07:00")
    assert OPS not in out
    ok(run_cli, "notify", "rule", "add", "voicemail", "--owner")
    listed = json.loads(ok(run_cli, "notify", "rule", "list", "--json"))
    assert [(r["event"], r["recipient"]) for r in listed] == [("auth_failures", OPS),
                                                             ("voicemail", "owner")]
    with app.engine.connect() as conn:
        rows = list(conn.execute(select(NotificationRule)))
        log = " ".join(e.command + json.dumps(e.args) + e.message
                       for e in conn.execute(select(OplogEntry)))
    assert all(OPS.encode() not in (r.recipient or b"") for r in rows)
    assert OPS not in log and "notify rule add" in log
    found = json.loads(ok(run_cli, "subject", "find", "--email", OPS, "--json"))
    assert found["categories"]["notification_rules"]["count"] == 1, found
    ok(run_cli, "subject", "erase", "--email", OPS, "--reason", "their request", "--yes")
    listed = json.loads(ok(run_cli, "notify", "rule", "list", "--json"))
    assert [r["event"] for r in listed] == ["voicemail"]


def test_failures_are_visible_and_nothing_is_written(app: App, run_cli: CliCall,
                                                     tmp_path: Path) -> None:
    ok(run_cli, "notify", "rule", "add", "auth_failures", "--email", OPS)
    with RelayThread(tmp_path / "relay") as relay:
        smtp_door(run_cli, relay, password="wrong-password")
        before = {p for p in (tmp_path / "data").rglob("*") if "store.db" not in p.name}
        notifier = _storm(app, 3)
        assert relay.relay.messages == []
    assert notifier.counters.failed == 2 and "refused the credentials" in \
        notifier.counters.last_failure
    assert {f["outcome"] for f in _sent(app)} == {"failed"}
    status = json.loads(ok(run_cli, "notify", "status", "--json"))
    assert status["outcomes"] == {"failed": 2}
    assert "refused the credentials" in status["last_failure"]["error"]
    after = {p for p in (tmp_path / "data").rglob("*") if "store.db" not in p.name}
    assert after == before


def test_off_until_a_rule_exists(app: App, tmp_path: Path) -> None:
    notifier = _storm(app, 5)
    assert notifier.counters.sent == notifier.counters.failed == 0 and _sent(app) == []


def test_rule_validation_quotes_no_personal_data(run_cli: CliCall, app: App) -> None:
    for args, message in ((("auth_failures", "--email", "not an address"), "email:"),
                          (("auth_failures", "--owner"), "about no extension"),
                          (("voicemail", "--phone", "abc"), "phone:"),
                          (("auth_failures", "--extension", "1001", "--attach-audio"),
                           "attach-audio"),
                          (("voicemail", "--owner", "--quiet", "25:00-07:00"), "quiet"),
                          (("voicemail",), "exactly one")):
        result = run_cli("notify", "rule", "add", *args)
        assert result.exit_code == 2 and message in result.output, (args, result.output)
        assert "not an address" not in result.output
    assert json.loads(ok(run_cli, "notify", "rule", "list", "--json")) == []


def test_quiet_hours_wrap_midnight() -> None:
    at = datetime(2026, 1, 1, 23, 30, tzinfo=UTC)
    assert rules.in_quiet_hours("22:00", "07:00", at)
    assert not rules.in_quiet_hours("22:00", "07:00", at.replace(hour=12))
    assert rules.in_quiet_hours("09:00", "17:00", at.replace(hour=12))
    assert not rules.in_quiet_hours(None, None, at)


def test_security_events_past_the_threshold() -> None:
    event = {"Event": "InvalidPassword", "Service": "PJSIP", "AccountID": "1001",
             "RemoteAddress": "IPV4/UDP/127.0.0.2/5060"}
    failure = security.parse(event)
    assert failure == security.Failure("PJSIP", "127.0.0.2", "1001")
    assert security.parse({**event, "RemoteAddress": "IPV4/UDP/not-an-ip/5060"}) is None
    assert security.parse({**event, "Event": "SuccessfulAuth"}) is None
    counter = security.FailureCounter(threshold=3, period_s=60)
    assert [counter.add("127.0.0.2", t) for t in (0, 1, 2, 3)] == [None, None, 3, 4]
    assert counter.add("127.0.0.2", 200) is None  # the window slid past the old ones


def test_disk_and_spool_pressure(tmp_path: Path) -> None:
    used = pressure.percent_used(tmp_path)
    assert used is not None and 0 <= used <= 100
    assert pressure.check(tmp_path, tmp_path, 101, 101) == []
    found = pressure.check(tmp_path, tmp_path / "missing", 0, 0)
    assert found == [pressure.Pressure("disk_full", str(tmp_path), used)]


def test_trunk_down_from_asterisk_events() -> None:
    assert trunk_down({"Event": "Registry", "ChannelType": "PJSIP", "Username": "acct",
                       "Domain": "sip:sip.example.net:5060", "Status": "Rejected"}) == (
        "sip:sip.example.net:5060", "registration rejected")
    assert trunk_down({"Event": "Registry", "Status": "Registered", "Domain": "x"}) is None
    assert trunk_down({"Event": "ContactStatus", "ContactStatus": "Unreachable",
                       "EndpointName": "trunk-carrier"}) == ("carrier", "unreachable")
    assert trunk_down({"Event": "ContactStatus", "ContactStatus": "Unreachable",
                       "EndpointName": "1001"}) is None


def test_missed_call_from_a_cdr() -> None:
    cdr = {"Event": "Cdr", "Source": "+442079460000", "Destination": "1001",
           "Disposition": "NO ANSWER"}
    assert missed_call(cdr) == ("1001", "+442079460000")
    assert missed_call({**cdr, "Disposition": "ANSWERED"}) is None
    assert missed_call({**cdr, "Destination": "rec"}) is None


def test_hourly_checks_find_expiring_grants_and_a_broken_log(app: App) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from asterisk_bridge.grants import register as grants
    from asterisk_bridge.notifications import watch

    soon = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    later = (datetime.now(UTC) + timedelta(days=60)).date().isoformat()
    with app.engine.begin() as conn:
        for name, until in (("soon", soon), ("later", later)):
            grants.create(conn, grants.NewGrant.build("api", name, "Acme", ["cdr:read"],
                                                      ["192.0.2.10"], until), "tester")
    assert [g.name for g in watch.expiring_grants(app)] == ["soon"]
    app.record("test entry", {}, "ok")
    assert watch.oplog_problem(app) is None
    with app.engine.begin() as conn:
        conn.execute(update(OplogEntry).values(message="edited"))
    assert "broken" in (watch.oplog_problem(app) or "")


def test_voicemail_left_only_when_a_mailbox_gains_a_message() -> None:
    seen: dict[str, int] = {}
    saved = {"Event": "MessageWaiting", "Mailbox": "1001@default", "New": "1",
             "CallerIDNum": "1002"}
    assert voicemail_left(saved, seen) == ("1001@default", "1002")
    assert voicemail_left(saved, seen) is None  # the same count again
    assert voicemail_left({**saved, "Mailbox": "1001@voco"}, seen) is None  # Voco's own MWI
    assert voicemail_left({**saved, "New": "0"}, seen) is None  # read
    assert voicemail_left(saved, seen) == ("1001@default", "1002")
