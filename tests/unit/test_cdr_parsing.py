"""Master.csv and AMI Cdr parsing, from records the sandbox Asterisk 22 actually wrote."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from asterisk_bridge.cdr import csvsource, rows
from asterisk_bridge.errors import ValidationError

DATA = Path(__file__).parent / "data"

# A Cdr event as the sandbox sent it with Voco's cdr_manager mappings (plus a recording id).
AMI_CDR = {
    "Event": "Cdr", "Privilege": "cdr,all", "AccountCode": "", "Source": "",
    "Destination": "plain", "DestinationContext": "cdrtest", "CallerID": '"" <>',
    "Channel": "Local/alice-n-1-3@phone-00000000;1",
    "DestinationChannel": "Local/bob-n-1-1@phone-00000001;1", "LastApplication": "Dial",
    "LastData": "Local/bob-n-1-1@phone/n,30", "StartTime": "2026-11-29 01:27:11",
    "AnswerTime": "2026-11-29 01:27:11", "EndTime": "2026-11-29 01:27:13", "Duration": "2",
    "BillableSeconds": "2", "Disposition": "ANSWERED", "AMAFlags": "DOCUMENTATION",
    "UniqueID": "1795915631.0", "UserField": "", "LinkedID": "1795915631.0", "Sequence": "0",
    "StartEpoch": "1795915631.357961", "AnswerEpoch": "1795915631.358362",
    "EndEpoch": "1795915633.861503", "VocoRecId": "r-123",
}


def test_ami_event_uses_epoch_times_and_voco_fields() -> None:
    row = rows.from_ami(AMI_CDR, "node1")
    assert row["start"] == datetime(2026, 11, 29, 1, 27, 11, 357961)
    assert row["end"] == datetime(2026, 11, 29, 1, 27, 13, 861503)
    assert (row["uniqueid"], row["sequence"], row["linkedid"]) == ("1795915631.0", 0,
                                                                   "1795915631.0")
    assert row["rec_id"] == "r-123" and row["consent"] is None
    assert (row["node"], row["origin"], row["lastdata"]) == ("node1", "ami",
                                                             "Local/bob-n-1-1@phone/n,30")


def test_ami_event_without_epoch_mapping_reads_local_time_as_utc() -> None:
    event = {k: v for k, v in AMI_CDR.items() if not k.endswith("Epoch")}
    assert rows.from_ami(event, "n")["start"] == datetime(2026, 11, 29, 1, 27, 11)


def test_ami_event_without_sequence_mapping_is_refused_with_the_fix() -> None:
    event = {k: v for k, v in AMI_CDR.items() if k != "Sequence"}
    with pytest.raises(ValidationError, match=r"cdr_manager.conf needs the \[mappings\]"):
        rows.from_ami(event, "n")


def test_bad_values_name_the_field() -> None:
    with pytest.raises(ValidationError, match="BillableSeconds"):
        rows.from_ami({**AMI_CDR, "BillableSeconds": "x"}, "n")
    with pytest.raises(ValidationError, match="StartEpoch"):
        rows.from_ami({**AMI_CDR, "StartEpoch": "yesterday"}, "n")
    with pytest.raises(ValidationError, match="UniqueID"):
        rows.from_ami({**AMI_CDR, "UniqueID": ""}, "n")


def test_over_long_values_are_cut_to_the_column_not_refused() -> None:
    row = rows.from_ami({**AMI_CDR, "Channel": "X" * 400}, "n")
    assert len(row["channel"]) == 255


def test_master_csv_quotes_commas_and_unanswered(tmp_path: Path) -> None:
    read = csvsource.read_records(DATA / "cdr_attended_transfer.csv", "node1")
    assert read.malformed == [] and len(read.rows) == 9
    by_seq = {r["sequence"]: r for r in read.rows}
    assert by_seq[0]["clid"] == '"Alice" <1001>'  # doubled quotes undone
    assert by_seq[0]["lastdata"] == "Local/xferer@cdrphone/n,30,tT"  # comma inside quotes
    assert by_seq[0]["start"] == datetime(2026, 11, 29, 1, 26, 30)
    assert (by_seq[0]["duration"], by_seq[0]["billsec"]) == (5, 5)
    queue = csvsource.read_records(DATA / "cdr_queue_ringall.csv", "node1").rows
    unanswered = next(r for r in queue if r["disposition"] == "NO ANSWER")
    assert unanswered["answer"] is None and unanswered["origin"] == "csv"


def test_only_complete_lines_are_read_and_the_rest_resumes(tmp_path: Path) -> None:
    text = (DATA / "cdr_no_answer.csv").read_bytes()
    path = tmp_path / "Master.csv"
    path.write_bytes(text[:-30])  # Asterisk is still writing the last record
    first = csvsource.read_records(path, "n")
    assert len(first.rows) == 3 and first.malformed == []
    path.write_bytes(text)
    rest = csvsource.read_records(path, "n", first.end_offset)
    assert len(rest.rows) == 1 and rest.end_offset == len(text)


def test_malformed_lines_are_reported_and_do_not_stop_the_file(tmp_path: Path) -> None:
    good = (DATA / "cdr_no_answer.csv").read_text()
    path = tmp_path / "Master.csv"
    path.write_text('"only","three","fields"\n' + good + '"bad,"x"\n')
    read = csvsource.read_records(path, "n")
    assert len(read.rows) == 4
    assert len(read.malformed) == 2 and read.malformed[0].startswith("Master.csv:1:")
    assert "21" in read.malformed[0]  # says how many fields are expected
