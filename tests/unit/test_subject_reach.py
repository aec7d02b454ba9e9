"""What a subject's rights reach covers every table that names people or holds their sealed
values: the schema is walked, not a hand-kept list, so the next feature cannot forget."""

from __future__ import annotations

from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table

from asterisk_bridge.holds import guard
from asterisk_bridge.retention.kinds import CATEGORIES
from asterisk_bridge.store.models import Base
from asterisk_bridge.store.models.base import SEALED_BY_SUBJECT, SUBJECT_REF
from asterisk_bridge.subjects import refs
from asterisk_bridge.subjects.reach import Access, Exported, Reach, problems
from asterisk_bridge.subjects.reached import REACHES


def test_every_table_naming_people_is_reached() -> None:
    assert problems(REACHES) == []
    reached = {r.table for r in REACHES}
    assert {t.name for t in refs.personal_tables()} <= reached
    # What this branch keys by subject today; the other personal tables join as they are sealed.
    assert {"recordings", "legal_holds", "disclosures"} <= {t.name for t in refs.personal_tables()}


def test_every_category_of_the_issue_is_registered() -> None:
    assert [r.category for r in REACHES] == [
        "cdr", "calls", "db_grant_rows", "recordings", "evidence", "voicemail", "contacts",
        "personal_contacts", "extensions", "agent_activity", "oplog", "disclosures", "holds",
        "notification_rules", "notifications"]
    assert not next(r for r in REACHES if r.category == "holds").exported
    assert not next(r for r in REACHES if r.category == "oplog").exported


def test_the_check_names_each_kind_of_gap() -> None:
    meta = MetaData()
    Table("voicemail", meta, Column("id", Integer, primary_key=True),
          Column("caller_subject", String(32), info=SUBJECT_REF),
          Column("caller_name", LargeBinary, info=SEALED_BY_SUBJECT))
    Table("orphan_sealed", meta, Column("id", Integer, primary_key=True),
          Column("name", LargeBinary, info=SEALED_BY_SUBJECT))
    Table("plain", meta, Column("id", Integer, primary_key=True))
    assert problems([], meta) == [
        "orphan_sealed names people or holds their sealed values, but no Reach covers it: "
        "register one in asterisk_bridge/subjects/reached.py",
        "voicemail names people or holds their sealed values, but no Reach covers it: "
        "register one in asterisk_bridge/subjects/reached.py"]
    found = problems([Reach("voicemail", table="voicemail"),
                      Reach("orphans", table="orphan_sealed", sealed={"name": "id"}),
                      Reach("twice", table="voicemail"), Reach("twice", table="nowhere")], meta)
    assert found == [
        "category 'twice' is registered twice",
        "voicemail is covered twice (voicemail, twice)",
        "twice: table nowhere does not exist",
        "orphan_sealed holds sealed values but no SUBJECT_REF column says whose key sealed them",
        "orphan_sealed.id (sealing name) is not a SUBJECT_REF column",
        "orphans: Reach.sealed needs row_ref to open the values",
        "voicemail.caller_name is sealed but twice's export cannot open it: map it to its "
        "SUBJECT_REF column in Reach.sealed"]
    fine = Reach("voicemail", table="voicemail", row_ref=str,
                 sealed={"caller_name": "caller_subject"})
    own_export = Reach("orphans", table="orphan_sealed", export=_exported)
    assert problems([fine, own_export], meta) == [
        "orphan_sealed holds sealed values but no SUBJECT_REF column says whose key sealed them"]


def _exported(_: Access) -> Exported:
    return Exported([])


def test_holds_and_retention_reach_the_same_tables() -> None:
    """A hold covers a row through its SUBJECT_REF columns and its linkedid; every table a
    retention category purges must be one a hold can cover, or retention would purge held data."""
    for category in CATEGORIES:
        table = Base.metadata.tables[category.table]
        assert category.age in table.columns, category.name
        if category.unheld:  # says why no hold can name its rows
            assert not refs.ref_columns(table) and refs.call_column(table) is None
            continue
        assert refs.ref_columns(table) or refs.call_column(table) is not None, category.name
        assert category.age in table.columns, category.name
        assert str(guard.covers(table)) != "false", category.name
