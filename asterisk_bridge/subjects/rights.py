"""A subject's rights over what Voco holds: find it all, and erase it.

Both walk every registered :class:`~asterisk_bridge.subjects.reach.Reach`
(:mod:`.reached`). Erasure is refused while a legal hold covers the subject or any row naming
them; otherwise each category's own step runs (recordings crypto-shredded, findable personal
contacts deleted), then the subject's key and identifiers are destroyed in one transaction
that checks the holds again, leaving a tombstone, and takes with the key whatever clear copy
must not outlive it (a database grant's projection). What was sealed under the key anywhere (CDR
fields, evidence, the operation log's sealed arguments, backups) is unreadable from then on;
the rows themselves stay, so billing figures and the operation log's chain are untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

from asterisk_bridge.context import App
from asterisk_bridge.holds import guard
from asterisk_bridge.provisioning import validate
from asterisk_bridge.store import wipe
from asterisk_bridge.subjects.reach import Access, Found, Reach
from asterisk_bridge.subjects.reached import REACHES
from asterisk_bridge.subjects.target import Target
from asterisk_bridge.subjects.vault import SubjectVault


@dataclass(frozen=True)
class Finding:
    """One category of what is held about a subject, and what erasure does to it."""

    category: str
    found: Found
    erasure: str

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return {"count": self.found.count, "ids": list(self.found.ids),
                "erasure": self.erasure}


def find(app: App, vault: SubjectVault, target: Target,
         reaches: tuple[Reach, ...] = REACHES) -> list[Finding]:
    """Everything held about *target*, category by category."""
    with app.engine.connect() as conn:
        access = Access(app, conn, vault, target)
        return [Finding(r.category, r.found(access), r.erasure) for r in reaches]


def erase(app: App, vault: SubjectVault, target: Target, actor: str, reason: str,
          reaches: tuple[Reach, ...] = REACHES) -> dict[str, int]:
    """Erase the subject (see the module docstring); returns what each category's own step
    destroyed. HeldError, naming the holds, before anything is touched if one applies."""
    subject = target.subject
    why = validate.reason(reason, "the subject is erased")
    action = f"erase subject {subject}"
    with app.engine.connect() as conn:
        guard.refuse_subject(conn, subject, action)
    done = {r.category: r.erase(app, target, actor, why) for r in reaches if r.erase}
    with app.engine.begin() as conn:
        guard.refuse_subject(conn, subject, action)  # a hold placed meanwhile still wins
        vault.erase(conn, subject, actor, why)
        done |= {r.category: r.with_key(conn, subject) for r in reaches if r.with_key}
    wipe.checkpoint(app.engine)
    return done
