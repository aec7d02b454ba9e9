"""One CDR record as a plain dict of ``cdr`` columns, built from either copy Asterisk emits.

Times:
- The AMI ``Cdr`` event carries ``StartEpoch``/``AnswerEpoch``/``EndEpoch`` through the
  cdr_manager mappings ``start,u => StartEpoch`` etc. (``${CDR(start,u)}``: epoch seconds with
  microseconds). They are time-zone free, unlike the event's own ``StartTime`` which cdr_manager
  writes in Asterisk's *local* time; those are used only if the mapping is absent, read as UTC
  (the appliance runs Asterisk with TZ=UTC).
- Master.csv is written with ``usegmtime=yes``: UTC, whole seconds.
Both become naive UTC datetimes. A record imported from Master.csv therefore has whole-second
times; duration and billsec are Asterisk's own integers either way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from asterisk_bridge.errors import ValidationError

Row = dict[str, Any]

#: Master.csv columns with cdr_csv ``loguniqueid``, ``loguserfield`` and ``newcdrcolumns``.
CSV_COLUMNS = (
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
    "lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
    "uniqueid", "userfield", "peeraccount", "linkedid", "sequence",
)

#: AMI Cdr header -> column, for the plain text fields.
AMI_TEXT = {
    "AccountCode": "accountcode", "Source": "src", "Destination": "dst",
    "DestinationContext": "dcontext", "CallerID": "clid", "Channel": "channel",
    "DestinationChannel": "dstchannel", "LastApplication": "lastapp", "LastData": "lastdata",
    "Disposition": "disposition", "AMAFlags": "amaflags", "UniqueID": "uniqueid",
    "UserField": "userfield", "PeerAccount": "peeraccount", "LinkedID": "linkedid",
}

#: Column widths enforced by PostgreSQL; longer values are cut, never refused (data is kept).
WIDTHS = {"node": 64, "uniqueid": 64, "linkedid": 64, "accountcode": 80, "src": 80, "dst": 80,
          "dcontext": 80, "channel": 255, "dstchannel": 255, "lastapp": 80, "disposition": 16,
          "amaflags": 16, "peeraccount": 80, "rec_id": 128, "consent": 32}

#: Voco's own fields: only the AMI copy carries them (a row from Master.csv has them empty).
VOCO_FIELDS = ("rec_id", "consent")

DISPOSITIONS = ("ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION")


def _ts(text: str, field: str) -> datetime | None:
    """``YYYY-MM-DD HH:MM:SS`` (UTC) → naive UTC datetime; empty → None."""
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise ValidationError(f"CDR field {field}: {text!r} is not 'YYYY-MM-DD HH:MM:SS'") from None


def _epoch(text: str, field: str) -> datetime | None:
    """Epoch seconds (``${CDR(x,u)}``) → naive UTC datetime; empty or 0 (never set) → None."""
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(f"CDR field {field}: {text!r} is not epoch seconds") from None
    if value <= 0:
        return None
    return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)


def _int(text: str, field: str) -> int:
    try:
        return int(text.strip() or 0)
    except ValueError:
        raise ValidationError(f"CDR field {field}: {text!r} is not an integer") from None


def _finish(row: Row) -> Row:
    """Check the key and required values, and cut over-long text to its column width."""
    for key in ("uniqueid", "disposition"):
        if not row.get(key):
            raise ValidationError(f"CDR field {key} is empty: record cannot be identified")
    if row["start"] is None or row["end"] is None:
        raise ValidationError(f"CDR {row['uniqueid']}: start and end times are required")
    row["linkedid"] = row.get("linkedid") or row["uniqueid"]
    for key, width in WIDTHS.items():
        value = row.get(key)
        if isinstance(value, str) and len(value) > width:
            row[key] = value[:width]
    return row


def from_ami(event: Mapping[str, Any], node: str) -> Row:
    """A row from an AMI ``Cdr`` event (headers as Asterisk sends them).

    cdr_manager writes each header once, so a repeated one (the frame parser makes it a list)
    means a caller-controlled value holding CR LF split the event and added headers of its
    own: refused, and Master.csv's copy is imported by reconciliation. A forged frame that
    repeats nothing cannot be told from a real one here; reconciliation corrects what it stored
    (:mod:`~asterisk_bridge.cdr.truth`)."""
    repeated = sorted(str(k) for k, v in event.items() if isinstance(v, list))
    if repeated:
        raise ValidationError(
            f"AMI Cdr event repeats {', '.join(repeated)}: a caller's CR LF split it (forged "
            "headers); not stored, Master.csv's copy is imported by reconciliation")
    get = {str(k): str(v) for k, v in event.items()}.get
    row: Row = {col: get(header, "") for header, col in AMI_TEXT.items()}
    if not get("UniqueID", "").strip():
        raise ValidationError(
            "AMI Cdr event names no record (no UniqueID): cut short, as when a caller's CR LF "
            "splits it; not stored, Master.csv's copy is imported by reconciliation")
    if not get("Sequence", "").strip():
        raise ValidationError(
            "AMI Cdr event lacks Sequence: cdr_manager.conf needs the [mappings] Voco generates"
        )
    row["sequence"] = _int(get("Sequence", ""), "Sequence")
    for col, epoch_header, text_header in (("start", "StartEpoch", "StartTime"),
                                           ("answer", "AnswerEpoch", "AnswerTime"),
                                           ("end", "EndEpoch", "EndTime")):
        if get(epoch_header) is not None:
            row[col] = _epoch(get(epoch_header, ""), epoch_header)
        else:
            row[col] = _ts(get(text_header, ""), text_header)
    row["duration"] = _int(get("Duration", ""), "Duration")
    row["billsec"] = _int(get("BillableSeconds", ""), "BillableSeconds")
    row["rec_id"] = get("VocoRecId") or None
    row["consent"] = get("VocoConsent") or None
    row["node"] = node
    row["origin"] = "ami"
    return _finish(row)


def from_csv(fields: Sequence[str], node: str) -> Row:
    """A row from one parsed Master.csv record."""
    if len(fields) != len(CSV_COLUMNS):
        raise ValidationError(
            f"Master.csv record has {len(fields)} fields, expected {len(CSV_COLUMNS)} "
            "(cdr.conf needs loguniqueid, loguserfield and newcdrcolumns = yes)"
        )
    raw = dict(zip(CSV_COLUMNS, fields, strict=True))
    row: Row = {col: raw[col] for col in CSV_COLUMNS
                if col not in ("start", "answer", "end", "duration", "billsec", "sequence")}
    for col in ("start", "answer", "end"):
        row[col] = _ts(raw[col], col)
    for col in ("duration", "billsec", "sequence"):
        row[col] = _int(raw[col], col)
    row["rec_id"] = None
    row["consent"] = None
    row["node"] = node
    row["origin"] = "csv"
    return _finish(row)
