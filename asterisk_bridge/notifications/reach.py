"""What a subject's rights and retention reach of notifications.

A rule sending to a person (by e-mail address or phone number) holds their address sealed under
their key: their erasure deletes the rule (it could not send anything any more). The facts of
what was sent name the recipient by subject id only; they stay, unreadable to nobody and
meaningless once the subject is a tombstone, until retention forgets them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select

from asterisk_bridge.context import App
from asterisk_bridge.holds import guard
from asterisk_bridge.retention.category import Category
from asterisk_bridge.store.models.notifications import NotificationRule, NotificationSent
from asterisk_bridge.subjects.reach import Reach, by_id
from asterisk_bridge.subjects.refs import table_of
from asterisk_bridge.subjects.target import Target

SENT = table_of(NotificationSent)
TOMBSTONE = "notification-history tombstone"


def _erase_rules(app: App, target: Target, actor: str, reason: str) -> int:
    with app.engine.begin() as conn:
        deleted = conn.execute(delete(NotificationRule).where(
            NotificationRule.recipient_subject == target.subject)).rowcount
    return int(deleted or 0)


RULES = Reach("notification_rules", table="notification_rules", row_ref=by_id,
              sealed={"recipient": "recipient_subject"}, erase=_erase_rules,
              erasure="rules sending to them are deleted")
HISTORY = Reach("notifications", table="notifications_sent",
                erasure="rows stay (when which event was sent), naming only the subject id; "
                        "retention forgets them")


def purge(app: App, cutoff: datetime, reason: str, actor: str | None) -> int:
    """Forget the facts of notifications sent before *cutoff* that no hold covers."""
    before = cutoff.replace(tzinfo=UTC).isoformat(timespec="seconds")
    with app.engine.begin() as conn:
        ids = list(conn.execute(select(NotificationSent.id).where(
            NotificationSent.at < before, guard.unheld(SENT))).scalars())
        if ids:
            conn.execute(delete(NotificationSent).where(NotificationSent.id.in_(ids)))
    if ids:
        tomb = {"kind": "notifications", "deleted": len(ids), "reason": reason}
        app.tombstone(TOMBSTONE, tomb, actor)
    return len(ids)


CATEGORY = Category("notifications", table="notifications_sent", age="at", purge=purge)
