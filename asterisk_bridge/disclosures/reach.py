"""What a subject's rights reach of the disclosure register.

Entries survive the subject's erasure: accountability for a disclosure outlives the data
disclosed. They then point at the subject's tombstone, and the identifier sealed in them is
unreadable. The subject's own export carries the entries they were told about; an entry whose
notice was withheld (a court order, an investigation) stays out of it.
"""

from __future__ import annotations

from asterisk_bridge.subjects.reach import Access, Exported, Reach, by_id


def _export(access: Access) -> Exported:
    return Exported([r for r in DISCLOSURES.rows(access) if r["notice"] == "sent"])


DISCLOSURES = Reach("disclosures", table="disclosures", row_ref=by_id,
                    sealed={"subject_label": "about_subject"}, export=_export,
                    erasure="entries stay (accountability), pointing at the subject's "
                            "tombstone")
