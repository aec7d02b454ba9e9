"""Adding, listing and showing disclosures, and linking export bundles to them.

An entry records who received a subject's data (``recipient``), on what legal basis
(``basis``), which data (``items``: categories and ids, as ``voco subject find`` names them;
never free text, so an entry cannot carry personal data in clear), and whether the subject was
told (``notice``: the date it was sent, or why it was withheld). Only the identifier the entry
was made by is sealed, under the subject's key.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from asterisk_bridge.errors import NotFoundError, ValidationError
from asterisk_bridge.holds.guard import today
from asterisk_bridge.provisioning import validate
from asterisk_bridge.store.models.disclosures import Disclosure, DisclosureExport
from asterisk_bridge.store.models.subjects import SubjectTombstone
from asterisk_bridge.subjects import target
from asterisk_bridge.subjects.reached import categories
from asterisk_bridge.subjects.target import Target
from asterisk_bridge.subjects.vault import SubjectVault

_ITEM = re.compile(r"([a-z_]+)(?::([A-Za-z0-9._/-]{1,160}))?")
MAX_ITEMS = 200


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def check_items(text: str) -> str:
    """``cdr, recordings:ID, calls:LINKEDID, ...``: categories of ``voco subject find``, each
    whole or one id of it; returned comma-joined without spaces."""
    items = [i.strip() for i in text.split(",") if i.strip()]
    if not items:
        raise ValidationError("items: name what was disclosed, e.g. 'cdr,recordings:ID'")
    if len(items) > MAX_ITEMS:
        raise ValidationError(f"items: at most {MAX_ITEMS}")
    known = categories()
    for item in items:
        match = _ITEM.fullmatch(item)
        if match is None or match.group(1) not in known:
            raise ValidationError(f"items: {item[:40]!r} is not CATEGORY or CATEGORY:ID, with "
                                  f"CATEGORY one of {', '.join(known)}")
    return ",".join(items)


def check_notice(sent: str | None, withheld: str | None) -> tuple[str, str | None, str | None]:
    """``(notice, sent_on, withheld_reason)`` from exactly one of the two options."""
    if (sent is None) == (withheld is None):
        raise ValidationError("notice: give exactly one of --notice-sent DATE or "
                              "--notice-withheld REASON")
    if withheld is not None:
        return "withheld", None, validate.reason(withheld, "notice was withheld",
                                                 "notice-withheld")
    assert sent is not None
    try:
        day = date.fromisoformat(sent.strip()).isoformat()
    except ValueError:
        raise ValidationError(f"notice-sent: {sent!r} is not a date like 2026-12-01") from None
    if day > today():
        raise ValidationError(f"notice-sent: {day} is in the future; record a notice once "
                              "it was sent")
    return "sent", day, None


def add(conn: Connection, vault: SubjectVault, about: Target, recipient: str, basis: str,
        items: str, notice_sent: str | None, notice_withheld: str | None, actor: str) -> int:
    """Record a disclosure about an existing subject; returns its id."""
    subject = about.subject
    notice, sent_on, withheld = check_notice(notice_sent, notice_withheld)
    entry_id = int(conn.execute(insert(Disclosure).values(
        about_subject=subject,
        recipient=validate.reason(recipient, "who received the data", "recipient"),
        basis=validate.reason(basis, "on what legal basis", "basis"),
        items=check_items(items), notice=notice, notice_sent_on=sent_on,
        notice_withheld_reason=withheld, created_at=_now(), created_by=actor,
    ).returning(Disclosure.id)).scalar_one())
    ring = vault.keys(conn, [subject])
    label = ring.seal(target.label_ref("disclosures", "subject_label", entry_id, subject),
                      about.identifier.label)
    conn.execute(update(Disclosure).where(Disclosure.id == entry_id).values(subject_label=label))
    return entry_id


def check_export(conn: Connection, entry_id: int, subject: str) -> None:
    """Refuse to link an export to an entry that does not exist or is about someone else."""
    about = conn.execute(select(Disclosure.about_subject)
                         .where(Disclosure.id == entry_id)).first()
    if about is None:
        raise NotFoundError(f"disclosure {entry_id} does not exist")
    if about[0] != subject:
        raise ValidationError(f"disclosure {entry_id} is about another subject; an export is "
                              "linked only to an entry about the person exported")


def link_export(conn: Connection, entry_id: int, subject: str, sha256: str, size: int,
                records: int, actor: str) -> None:
    """Record that an export bundle (by its hash) was made for the entry."""
    check_export(conn, entry_id, subject)
    conn.execute(insert(DisclosureExport).values(
        disclosure_id=entry_id, exported_at=_now(), exported_by=actor, sha256=sha256,
        size=size, records=records))


@dataclass(frozen=True)
class DisclosureView:
    """An entry as ``voco disclosure list/show`` shows it."""

    id: int
    subject: str | None
    identifier: str  # while the subject exists; "(subject erased YYYY-MM-DD)" after
    recipient: str
    basis: str
    items: list[str]
    notice: str
    notice_sent_on: str | None
    notice_withheld_reason: str | None
    created_at: str
    created_by: str
    exports: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return asdict(self)


def entries(conn: Connection, vault: SubjectVault, entry_id: int | None = None
            ) -> list[DisclosureView]:
    """Every entry, oldest first, or the one *entry_id* names (NotFoundError if none)."""
    q = select(Disclosure).order_by(Disclosure.id)
    if entry_id is not None:
        q = q.where(Disclosure.id == entry_id)
    rows = list(conn.execute(q))
    if entry_id is not None and not rows:
        raise NotFoundError(f"disclosure {entry_id} does not exist")
    subjects = {r.about_subject for r in rows if r.about_subject}
    ring = vault.keys(conn, subjects)
    erased = dict(conn.execute(select(SubjectTombstone.subject_id, SubjectTombstone.erased_at)
                               .where(SubjectTombstone.subject_id.in_(sorted(subjects)))).all())
    exports: dict[int, list[dict[str, Any]]] = {}
    for ex in conn.execute(select(DisclosureExport).where(DisclosureExport.disclosure_id.in_(
            [r.id for r in rows])).order_by(DisclosureExport.id)):
        exports.setdefault(ex.disclosure_id, []).append(
            {"at": ex.exported_at, "by": ex.exported_by, "sha256": ex.sha256, "size": ex.size,
             "records": ex.records})
    out = []
    for r in rows:
        subject = r.about_subject or ""
        shown = ring.open(target.label_ref("disclosures", "subject_label", r.id, subject),
                          r.subject_label) if subject else None
        if shown is None:
            shown = f"(subject erased {erased.get(subject, '')[:10]})".replace(" )", ")")
        out.append(DisclosureView(r.id, r.about_subject, shown, r.recipient, r.basis,
                                  r.items.split(","), r.notice, r.notice_sent_on,
                                  r.notice_withheld_reason, r.created_at, r.created_by,
                                  exports.get(r.id, [])))
    return out
